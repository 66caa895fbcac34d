import sys

from infra.smoke.run import main

sys.exit(main())
