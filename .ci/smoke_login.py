"""Waits for the login page, logs in as a demo user and checks the start page (stdlib only)."""

import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request

base = sys.argv[1]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
started = time.time()
while True:
    try:
        html = opener.open(base + "/login/", timeout=5).read().decode()
        break
    except Exception:
        if time.time() - started > 60:
            raise SystemExit("login page not served within 60 s") from None
        time.sleep(0.5)
print(f"login page served after {time.time() - started:.1f} s")
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
data = urllib.parse.urlencode({"csrf_token": token, "username": "mo1_operator", "password": "Demo-Oms-2026"}).encode()
page = opener.open(base + "/login/", data=data, timeout=10).read().decode()
assert "Оператор РБ №1" in page, "demo login failed"
assert "Администрирование" in page
print("smoke: 1 passed, 0 failed")
