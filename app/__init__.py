"""The Gradscape web app (Dash): layout, callbacks, figure builders, URL state.

The app itself arrives in the next milestone; for now the package carries the
`gradscape` command (see `app.cli`).
"""
