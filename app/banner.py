"""Prints where the app is served and the demo logins (``make run``)."""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8080")
    args = parser.parse_args()
    import config
    from app.demo.accounts import DEMO_LOGINS

    cfg = config.Config
    print("=" * 72)
    print(f"  ОМС: персонифицированный учет — http://{args.host}:{args.port}/")
    print(f"  База данных: {cfg.SQLALCHEMY_DATABASE_URI.split('@')[-1]}; очередь: {cfg.JOBS_MODE}")
    print(f"  Демонстрационные учетные записи (пароль {cfg.DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        extra = f", подразделение {login.subdivision}" if login.subdivision else ""
        rights = f", право подписи: {', '.join(login.rights)}" if login.rights else ""
        print(f"    {login.username:<20} {login.role} ({login.org}{extra}{rights})")
    print(f"  Ключи подписи демо-подписантов (PKCS#12, пароль {cfg.DEMO_PASSWORD}): {cfg.DEMO_PKI_DIR}")
    print("=" * 72, flush=True)


if __name__ == "__main__":
    main()
