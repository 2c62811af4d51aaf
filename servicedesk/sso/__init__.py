"""Single sign-on with OpenID Connect (mozilla-django-oidc): the provider's endpoints, the mapping of its claims to
roles and support groups, and just-in-time accounts. Decision record 0024 (docs/decisions/0024-single-sign-on.md).
"""
