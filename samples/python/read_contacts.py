#!/usr/bin/env python3
"""Reads every contact from a CRM API with tokens from `tokenkeeper serve`, using only the standard library.

The job never sees a refresh token: it asks the service for an access token (one HTTP call), and when the API refuses one
(401) it tells the service, which refreshes only if that token is still the current one, and retries once.

    TOKENKEEPER_URL=http://127.0.0.1:8080 TOKENKEEPER_API_KEY=tk_... CONNECTION=crm API_BASE=https://crm.example.com \
        python3 read_contacts.py
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

SERVICE = os.environ["TOKENKEEPER_URL"].rstrip("/")
KEY = os.environ["TOKENKEEPER_API_KEY"]
CONNECTION = os.environ.get("CONNECTION", "crm")
API = os.environ["API_BASE"].rstrip("/")


def service(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SERVICE + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        problem = json.load(error)  # RFC 9457: error, detail, cause
        sys.exit(f"token service: {error.code} {problem.get('error')}: {problem.get('detail')}")


def token():
    return service("GET", f"/v1/connections/{CONNECTION}/token?min_validity=5")["access_token"]


ATTEMPTS = 5  # a token refused again after a fresh one was handed out is the API's problem, not the token's


def get(url):
    access = token()
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + access})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 401 or attempt == ATTEMPTS:
                raise
            # Refused: report it; the service refreshes only if this token is still the current one.
            access = service("POST", f"/v1/connections/{CONNECTION}/token/invalid", {"access_token": access})["access_token"]


count, cursor = 0, None
while True:
    query = {"limit": "100"} if cursor is None else {"limit": "100", "cursor": cursor}
    page = get(f"{API}/api/contacts?{urllib.parse.urlencode(query)}")
    count += len(page["items"])
    cursor = page.get("next_cursor")
    if not cursor:
        break

print(f"read {count} contacts")
