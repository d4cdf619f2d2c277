"""The HTTP shell shared by every domain: dependencies, errors, middleware, templates and static assets."""
