"""Exactly-once verification under real concurrency: 16 threads, each with its own database connection.

Every scenario runs ROUNDS times on fresh accounts, on SQLite (immediate transactions) and PostgreSQL
(row locks) alike.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor.codes import normalize_backup_code
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent
from twofactor.verification import verify_code

THREADS = 16
ROUNDS = 20

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def run_at_once(work, count: int = THREADS) -> list:
    """Run `work(i)` in `count` threads released together; return the results, re-raising any error."""
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            prepare = work(index)  # a generator: set up before the barrier, act after it
            next(prepare)
            barrier.wait()
            try:
                next(prepare)
            except StopIteration as done:
                results[index] = done.value
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def submit_to_device(model, pk: int, code: str):
    def work(_index: int):
        device = model.objects.get(pk=pk)  # each thread holds its own, unlocked copy of the device
        yield
        return verify_code(device, code)

    return work


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_valid_totp_code_from_16_threads_is_accepted_once(round_):
    user = make_user(f"totp{round_}")
    device, totp = add_totp(user)
    results = run_at_once(submit_to_device(TOTPDevice, device.pk, totp.now()))
    assert sum(result.accepted for result in results) == 1
    device.refresh_from_db()
    assert device.last_used_at is not None
    assert device.last_t >= 0


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_backup_code_from_16_threads_is_accepted_once(round_):
    user = make_user(f"backup{round_}")
    add_totp(user)
    codes = replace_backup_codes(user)
    device = BackupCodeDevice.objects.get(user=user)
    results = run_at_once(submit_to_device(BackupCodeDevice, device.pk, codes[0]))
    assert sum(result.accepted for result in results) == 1
    assert device.codes.filter(used_at__isnull=False).count() == 1
    assert device.remaining == len(codes) - 1
    # The code is spent: a later try fails, another code still works.
    assert not verify_code(device, codes[0]).accepted
    device.throttle_reset()
    assert verify_code(device, normalize_backup_code(codes[1])).accepted


def _wrong_code_for(totp) -> str:
    accepted = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_16_wrong_codes_count_every_evaluated_guess_and_only_one_per_window(round_, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 60  # a window far longer than the burst: only one guess fits
    user = make_user(f"wrong{round_}")
    device, totp = add_totp(user)
    wrong = _wrong_code_for(totp)

    results = run_at_once(submit_to_device(TOTPDevice, device.pk, wrong))
    evaluated = [result for result in results if not result.throttled]
    assert not any(result.accepted for result in results)
    assert len(evaluated) == 1
    assert all(result.retry_after > 0 for result in results if result.throttled)
    device.refresh_from_db()
    assert device.throttling_failure_count == len(evaluated)

    # The window is still open: a second burst is refused without evaluating a single guess.
    again = run_at_once(submit_to_device(TOTPDevice, device.pk, totp.now()))
    assert all(result.throttled and not result.accepted for result in again)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_16_wrong_codes_without_throttling_are_all_counted(round_, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # every guess is evaluated: no failure may be lost
    user = make_user(f"count{round_}")
    device, totp = add_totp(user)
    results = run_at_once(submit_to_device(TOTPDevice, device.pk, _wrong_code_for(totp)))
    assert not any(result.accepted or result.throttled for result in results)
    device.refresh_from_db()
    assert device.throttling_failure_count == THREADS
    assert sorted(result.failure_count for result in results) == list(range(1, THREADS + 1))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_16_wrong_codes_with_the_default_back_off(round_, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 1
    user = make_user(f"default{round_}")
    device, totp = add_totp(user)
    started = time.monotonic()
    results = run_at_once(submit_to_device(TOTPDevice, device.pk, _wrong_code_for(totp)))
    elapsed = time.monotonic() - started
    evaluated = [result for result in results if not result.throttled]
    device.refresh_from_db()
    assert device.throttling_failure_count == len(evaluated) >= 1
    # Windows of 1, 2, 4 … seconds: k evaluated guesses need at least 2**(k-1) - 1 seconds.
    assert 2 ** (len(evaluated) - 1) - 1 <= elapsed


def _password_step_clients(username: str, count: int) -> list[Client]:
    clients = []
    for _ in range(count):
        client = Client()
        sign_in(client, username)
        clients.append(client)
    return clients


@pytest.mark.parametrize("throttle_factor", [0, 1])
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_16_sessions_posting_one_code_to_the_verify_page(round_, throttle_factor, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = throttle_factor
    username = f"web{round_}"
    user = make_user(username)
    _device, totp = add_totp(user)
    clients = _password_step_clients(username, THREADS)
    code = totp.now()

    def work(index: int):
        client = clients[index]
        client.raise_request_exception = True
        yield
        return client.post("/2fa/verify/?next=/2fa/", {"code": code, "next": "/2fa/"})

    responses = run_at_once(work)
    statuses = Counter(response.status_code for response in responses)
    assert statuses[302] == 1
    winner = next(response for response in responses if response.status_code == 302)
    assert winner.url == "/2fa/"
    if throttle_factor == 0:
        assert statuses[400] == THREADS - 1
    else:
        # The replay right after the accepted code counts as a failure; the back-off then answers 429.
        assert statuses[400] + statuses[429] == THREADS - 1
    assert 500 not in statuses
    # Exactly one of the sixteen sessions is verified.
    assert sum(client.get("/").status_code == 200 for client in clients) == 1
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).count() == 1
