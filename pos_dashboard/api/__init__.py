"""HTTP endpoints mounted into the Reflex app (api → services, analytics read models)."""
