"""The api function's routes, split by audience: `employee` (the signed-in employee's own
things) and `admin` (the `admins` group). `common` holds what both read from a request."""
