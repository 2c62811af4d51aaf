"""The API's plumbing, shared by every app's endpoints: tokens, authentication, limits, errors and versions."""
