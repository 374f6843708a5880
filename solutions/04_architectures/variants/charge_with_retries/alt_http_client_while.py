# why: http.client instead of urllib, a while loop, the delay drawn as cap * rng.random() (= uniform(0, cap))
import http.client
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit


def charge_with_retries(base_url: str, order_id: str, amount: int, *, timeout: float = 0.5,
                        max_attempts: int = 4, base_delay: float = 0.01, max_delay: float = 0.1,
                        sleep: Callable[[float], None] = time.sleep,
                        rng: random.Random | None = None) -> dict:
    """POST a charge with a timeout, capped exponential backoff with full jitter and one idempotency key."""
    if rng is None:
        rng = random.Random()
    parts = urlsplit(base_url)
    idempotency_key = secrets.token_urlsafe(24)
    payload = json.dumps({"order_id": order_id, "amount": amount})
    attempt = 0
    while True:
        attempt += 1
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            connection.request("POST", "/charge", body=payload,
                               headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key})
            response = connection.getresponse()
            status, data = response.status, response.read()
        except OSError:
            status, data = None, b""
        finally:
            connection.close()
        if status is not None and 200 <= status < 300:
            return json.loads(data)
        if status is not None and 400 <= status < 500:
            raise ClientError(f"HTTP {status}")
        if attempt >= max_attempts:
            raise ServiceUnavailable(f"gave up after {attempt} attempts")
        cap = min(max_delay, base_delay * (2 ** (attempt - 1)))
        sleep(cap * rng.random())
