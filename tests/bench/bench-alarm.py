#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Alarm latency of the gateway's local safety, against real peers.

A private dbus-daemon with bedlink-sim's fake BlueZ, Mosquitto, bedlink-ack and
bedlink-gateway. Background load: a continuous oximeter at 50 readings/s. Each
round sends a glucose of 2.8 mmol/L (BG4, P1, no confirmation) and times, from
the moment the line is written to the simulator:
  * the local alarm action: the gateway's "actions: alarm ... -> critical" log
    line, read from its stderr pipe as it is written;
  * the alert published: the BG4 alert record seen by a subscriber on the broker.
Then the round is undone (the doctor's acknowledgement as down/notice, two
normal glucose readings) so that the next one raises a new alert. The path
timed includes the simulator and its D-Bus hop, so the figures are an upper
bound on the gateway's own part. Prints p50/p99/max; asserts nothing.
Usage: bench-alarm.py BUILD_DIR SOURCE_DIR [--rounds N]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROUNDS = 60
GLUCO, OXI = "C0:FF:EE:00:00:02", "C0:FF:EE:00:00:03"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench-alarm: timed out waiting for {what}")


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


class Lines:
    """Timestamps the lines of a pipe as they arrive."""

    def __init__(self, stream, keep):
        self.items, self.keep, self.lock = [], keep, threading.Lock()
        threading.Thread(target=self.run, args=(stream,), daemon=True).start()

    def run(self, stream):
        for raw in stream:
            t = time.monotonic()
            line = raw.decode("utf-8", "replace")
            if self.keep(line):
                with self.lock:
                    self.items.append((t, line))

    def after(self, t0, match):
        with self.lock:
            for t, line in self.items:
                if t >= t0 and match(line):
                    return t, line
        return None


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    build, rounds = args[0], ROUNDS
    if len(args) == 4 and args[2] == "--rounds":
        rounds = int(args[3])
    tmp = tempfile.mkdtemp()
    procs = []
    try:
        bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                              "--print-pid=1", "--nopidfile"], capture_output=True,
                             text=True, check=True).stdout.split()
        procs.append(int(bus[1]))
        scen = os.path.join(tmp, "scenario")
        with open(scen, "w") as f:
            f.write(f"0 {GLUCO} device profile=glucose paired=yes\n"
                    f"0 {OXI} device profile=oximeter paired=yes\n")
        sim = subprocess.Popen([f"{build}/sim/bedlink-sim", "ble", "--bus", bus[0],
                                "--scenario", scen], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        with open(os.path.join(tmp, "mosquitto.conf"), "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    + ("user root\n" if os.getuid() == 0 else ""))
        broker = subprocess.Popen(["mosquitto", "-c", os.path.join(tmp, "mosquitto.conf")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        ack = subprocess.Popen([f"{build}/tests/ack/bedlink-ack", "--db",
                                os.path.join(tmp, "ack.db"), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
                                "-t", "bedlink/v1/gw-bench/up/record"], stdout=subprocess.PIPE)
        conf = os.path.join(tmp, "gw.conf")
        with open(conf, "w") as f:
            f.write(f"[gateway]\nid = gw-bench\ndata_dir = {tmp}/data\n"
                    f"[mqtt]\nhost = 127.0.0.1\nport = {port}\n[bluez]\nbus = {bus[0]}\n"
                    f"[control]\nsocket = {tmp}/gw.sock\n"
                    f"[device.glucometer]\naddress = {GLUCO}\nprofile = glucose\n"
                    f"[device.oximeter]\naddress = {OXI}\nprofile = pulse_oximeter\n")
        gw = subprocess.Popen([f"{build}/gateway/bedlink-gateway", "--config", conf],
                              stderr=subprocess.PIPE)
        procs += [p.pid for p in (sim, broker, ack, sub, gw)]
        log = Lines(gw.stderr, lambda l: "actions: alarm" in l or "connected" in l)
        records = Lines(sub.stdout, lambda l: '"kind":"alert"' in l)
        lock = threading.Lock()

        def say(line):
            with lock:
                sim.stdin.write((line + "\n").encode())
                sim.stdin.flush()

        wait_for(lambda: os.path.exists(f"{tmp}/gw.sock"), 10, "the gateway")
        ctl = [f"{build}/gateway/bedlinkctl", "--socket", f"{tmp}/gw.sock", "--json", "devices"]
        wait_for(lambda: subprocess.run(ctl, capture_output=True, text=True).stdout
                 .count('"connected"') >= 2, 30, "both devices to connect")

        stop = threading.Event()

        def load():
            n, start = 0, time.monotonic()
            while not stop.is_set():
                say(f"{OXI} spo2 spo2=97 pulse=72 continuous=yes")
                n += 1
                delay = start + n / 50 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

        threading.Thread(target=load, daemon=True).start()
        time.sleep(2)
        to_alarm, to_publish = [], []
        for i in range(rounds):
            t0 = time.monotonic()
            say(f"{GLUCO} glucose mmol=2.8")
            wait_for(lambda: log.after(t0, lambda l: "-> critical" in l), 10, "the alarm")
            wait_for(lambda: records.after(t0, lambda l: '"rule":"BG4"' in l), 10, "the alert")
            t_alarm, _ = log.after(t0, lambda l: "-> critical" in l)
            t_pub, line = records.after(t0, lambda l: '"rule":"BG4"' in l)
            to_alarm.append((t_alarm - t0) * 1000)
            to_publish.append((t_pub - t0) * 1000)
            alert_id = json.loads(line)["alert_id"]
            # Undo: the doctor acknowledges, two normal readings clear it.
            t1 = time.monotonic()
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
                            "-t", "bedlink/v1/gw-bench/down/notice", "-m",
                            json.dumps({"v": 1, "type": "alert_acknowledged",
                                        "alert_id": alert_id})], check=True)
            for _ in range(3):
                say(f"{GLUCO} glucose mmol=6.0")
                time.sleep(0.3)
            wait_for(lambda: log.after(t1, lambda l: "-> none" in l or "-> urgent" in l
                                       or "-> advisory" in l), 10, "the alarm to end")
            time.sleep(0.2)
        stop.set()
        print(f"bench-alarm: {rounds} rounds, background 50 readings/s (continuous SpO2)")
        for name, v, target in (("reading -> local alarm action", to_alarm, 20),
                                ("reading -> alert published", to_publish, 50)):
            print(f"  {name:30s} p50 {pct(v, 50):6.1f} ms  p99 {pct(v, 99):6.1f} ms  "
                  f"max {max(v):6.1f} ms  (target p99 <= {target} ms)")
    finally:
        for pid in reversed(procs):
            try:
                os.kill(pid, 15)
            except OSError:
                pass
        time.sleep(0.5)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
