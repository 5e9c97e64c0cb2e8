"""Work a flow leaves until its answer is out (a mail whose sending time would tell something).

`schedule(request, job)` keeps `job`; TwoFactorMiddleware hands it to the response, which the server calls once
the answer is sent (WSGI `close()`, as Django's test client does too). Without a request it runs at once.
"""

import logging

logger = logging.getLogger("twofactor")

_ATTRIBUTE = "_twofactor_after_response"


def schedule(request, job) -> None:
    if request is None:
        _run(job)
        return
    if not hasattr(request, _ATTRIBUTE):
        setattr(request, _ATTRIBUTE, [])
    getattr(request, _ATTRIBUTE).append(job)


def attach(request, response) -> None:
    """Have the response run the request's jobs once it is sent (called by TwoFactorMiddleware)."""
    for job in getattr(request, _ATTRIBUTE, ()):
        response._resource_closers.append(lambda job=job: _run(job))


def _run(job) -> None:
    try:
        job()
    except Exception:  # the answer is long gone: log it, break nothing
        logger.exception("Work after the answer failed")
