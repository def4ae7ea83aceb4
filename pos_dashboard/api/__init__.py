"""HTTP endpoints mounted into the Reflex app (`rx.App(api_transformer=…)`); they call services and
read models only, never Reflex states."""
