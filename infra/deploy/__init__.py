"""Deploy helpers (docs/deploy.md): `deploy` (make deploy: sam build, then sam deploy, guided
the first time), `python312` (finds the interpreter sam build needs; .ci/run uses it too),
`admin` (make admin: the first admin of a deployed stack)."""
