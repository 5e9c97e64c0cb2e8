"""What pages and JSON endpoints share, whoever writes them: the app's views, its API and each method's own.

    pages.py      safe `next` redirects, flow errors on forms, the guard of set-up pages, the page after enrolment
    endpoint.py   the API endpoint decorator (allowed methods, body size, CSRF, sign-in, errors as JSON)
    body.py       reading a JSON body through a Django form
    responses.py  JSON answers and the error shape
    shapes.py     the JSON shapes of the session, a device and a sent code
    openapi.py    building OpenAPI operations and schemas (a method describes its own endpoints with these)

A method's package imports these, the core and the flows, never `views` or `api`.
"""
