"""API views: parse and answer HTTP only; every use case is a call to twofactor.flows."""
