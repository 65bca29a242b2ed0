"""The demo: simulated cameras + Home Assistant with them added through the real config flow.

Run through ``scripts/develop``. Starts the four simulated cameras, then Home
Assistant on http://127.0.0.1:8123 with its own config directory
(``.develop/config``), onboards it with a demo user, adds each simulated camera
through the ipcam config flow, installs the demo dashboard and prints how to log
in. Home Assistant is started again when it asks for a restart (exit code 100,
*Settings → Restart*), as the supervisor would. Ctrl-C stops everything.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devenv.home import DEMO_PASSWORD, DEMO_USER, DemoHome, log  # noqa: E402

SIMULATOR_PORTS = {"cgi": 8081, "foscam": 8082, "dvrip": 34567, "grandstream": 8554}
CONTROL_PORTS = {"cgi": 8099, "foscam": 8100, "dvrip": 8101, "grandstream": 8102}


def main() -> int:
    home = DemoHome(
        ROOT / ".develop" / "config",
        simulator_ports=SIMULATOR_PORTS,
        control_ports=CONTROL_PORTS,
        log_dir=ROOT / ".develop",
    )

    def stop(*_args: Any) -> None:
        home.request_stop()  # main() waits for the processes once supervise() returns

    signal.signal(signal.SIGTERM, stop)
    try:
        try:
            home.run()
        except RuntimeError as err:
            log(str(err))
            return 1
        print(
            f"\n  Home Assistant: {home.url}\n"
            f"  Log in as: {DEMO_USER} / {DEMO_PASSWORD}\n"
            f"  The Overview dashboard shows each camera with its talk card and controls.\n"
            f'  Push an alarm: curl -X POST -d \'{{"kind": "motion"}}\' '
            f"http://127.0.0.1:{CONTROL_PORTS['foscam']}/event\n"
            f"  Control APIs (POST /event, GET /state, ...): {CONTROL_PORTS}\n"
            f"  Logs: .develop/home-assistant.log   Stop: Ctrl-C\n",
            flush=True,
        )
        code = home.supervise()
        if code not in (0, -signal.SIGTERM):
            log(f"Home Assistant exited with code {code}; see .develop/home-assistant.log")
    except KeyboardInterrupt:
        pass
    finally:
        home.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
