"""Schemathesis hooks for sa-bridge (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz-api.ts).

Every request carries a fresh access token of one user, fetched from the tenant realm's real
token endpoint (the portal client's password grant, as the demo realms allow) and renewed before
it expires. A cpi-admin run also names the tenant it acts on (`?tenant=`) wherever an operation
takes one, and the tenant's realm wherever a policy path names a realm (the tenant operations
themselves get the generated names and the realms their own creates return).
"""
import os
import time

import requests
import schemathesis

KEYCLOAK_URL = os.environ["FUZZ_KEYCLOAK_URL"]
TOKEN_REALM = os.environ["FUZZ_TOKEN_REALM"]
USERNAME = os.environ["FUZZ_USERNAME"]
PASSWORD = os.environ["FUZZ_PASSWORD"]
# Set for the cpi-admin run: the tenant its requests act on.
TENANT = os.environ.get("FUZZ_TENANT")


@schemathesis.auth(refresh_interval=None)
class KeycloakPortalToken:
    """A user's token; fetched again 30 s before it expires."""

    def __init__(self):
        self.token = None
        self.expires_at = 0.0

    def get(self, case, context):
        if self.token is None or time.time() > self.expires_at - 30:
            response = requests.post(
                f"{KEYCLOAK_URL}/realms/{TOKEN_REALM}/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "portal", "username": USERNAME, "password": PASSWORD},
                timeout=10,
            )
            response.raise_for_status()
            body = response.json()
            self.token = body["access_token"]
            self.expires_at = time.time() + body["expires_in"]
        return self.token

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _takes_query(operation, name):
    return any(parameter.name == name for parameter in operation.query)


@schemathesis.hook
def map_query(context, query):
    # `?tenant=` names the tenant acted on: the cpi-admin's chosen one, or the caller's own (naming
    # another is a plain 403, covered by the integration tests; random names would hide the rest).
    if context.operation is not None and _takes_query(context.operation, "tenant") and isinstance(query, dict) and "tenant" in query:
        query = dict(query)
        query["tenant"] = TENANT or TOKEN_REALM
    elif TENANT and context.operation is not None and _takes_query(context.operation, "tenant"):
        query = dict(query or {})
        query["tenant"] = TENANT
    return query


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    policy_path = context.operation is not None and context.operation.path.endswith("/policy")
    if TENANT and policy_path and path_parameters and "realm" in path_parameters:
        path_parameters = dict(path_parameters)
        path_parameters["realm"] = TENANT
    return path_parameters
