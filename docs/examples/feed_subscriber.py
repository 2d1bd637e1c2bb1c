#!/usr/bin/env python3
"""A Taifeng feed subscriber written from docs/feed-protocol.md alone (Debian's python3-zmq).

It connects with CURVE, subscribes, takes a snapshot (or replays after --resume-after), follows
the live feed, checks the sequence rules, repairs gaps by REPLAY, and writes one JSON line per
warning it delivers ({"seq", "prev", "stream", "identifier", "status", "source"}) to stdout.
It stops after --count live-or-replayed messages, or --seconds.

Example:
  feed_subscriber.py --service /var/lib/taifeng/service.json --key keys/web.key_secret --format json
"""
import argparse
import json
import struct
import sys
import time

import zmq
import zmq.auth


def seq_of(frame):
    if len(frame) != 8:
        raise ValueError("a sequence number is 8 bytes")
    return struct.unpack(">Q", frame)[0]


class Subscriber:
    def __init__(self, service, key_file, prefixes, fmt):
        public, secret = zmq.auth.load_certificate(key_file)
        if secret is None:
            sys.exit(f"{key_file}: a secret certificate (NAME.key_secret) is needed")
        self.ctx = zmq.Context()
        self.fmt, self.prefixes, self.rid = fmt, prefixes, 0
        self.everything = "" in prefixes

        def curve(sock):
            sock.curve_serverkey = service["public_key"].encode()
            sock.curve_publickey, sock.curve_secretkey = public, secret
            sock.linger = 0

        self.sub = self.ctx.socket(zmq.SUB)
        curve(self.sub)
        for p in prefixes:
            self.sub.setsockopt(zmq.SUBSCRIBE, f"{fmt}.{p}".encode())
        self.sub.setsockopt(zmq.SUBSCRIBE, b"hb")
        self.sub.connect(service["publish"])
        self.dealer = self.ctx.socket(zmq.DEALER)
        curve(self.dealer)
        self.dealer.connect(service["sync"])
        self.heads = {}   # stream -> last seq delivered
        self.base = -1    # every subscribed message <= base has been delivered
        self.feed = None
        self.delivered = []
        self.gaps = 0
        self.heartbeats = 0

    def request(self, command, body):
        """Sends a request; returns (items, end) or raises on ERR or timeout."""
        self.rid += 1
        rid = str(self.rid).encode()
        self.dealer.send_multipart([command.encode(), rid, json.dumps(body).encode()])
        items, deadline = [], time.time() + 5
        while True:
            if not self.dealer.poll(max(1, int((deadline - time.time()) * 1000))):
                raise TimeoutError(f"no answer to {command}")
            frames = self.dealer.recv_multipart()
            if frames[1] != rid:
                continue
            if frames[0] == b"W":
                items.append(self.parse(frames[2:]))
            elif frames[0] == b"ERR":
                raise RuntimeError(json.loads(frames[2])["message"])
            elif frames[0] == b"END":
                end = json.loads(frames[2])
                if end["count"] != len(items):
                    return self.request(command, body)  # items were dropped on the way: ask again
                if self.feed is not None and end["feed"] != self.feed:
                    raise RuntimeError("the feed id changed: the journal was replaced")
                self.feed = end["feed"]
                return items, end

    def parse(self, frames):
        topic = frames[0].decode()
        fmt, stream = topic.split(".", 1)
        assert fmt == self.fmt, topic
        w = {"topic": topic, "stream": stream, "seq": seq_of(frames[1]), "prev": seq_of(frames[2])}
        if fmt == "cap":
            w["cap"] = frames[3].decode()
        else:
            w["json"] = json.loads(frames[3])
            assert w["json"]["seq"] == w["seq"] and w["json"]["prev"] == w["prev"]
            assert w["json"]["stream"] == stream
        if fmt == "full":
            w["cap"] = frames[4].decode()
        if "cap" in w:
            assert w["cap"].startswith("<?xml") and "urn:oasis:names:tc:emergency:cap:1.2" in w["cap"]
        return w

    def filt(self):
        return {"prefixes": self.prefixes, "format": self.fmt}

    def known(self, stream):
        return max(self.heads.get(stream, self.base), self.base)

    def deliver(self, w, source):
        self.heads[w["stream"]] = w["seq"]
        if self.everything and w["seq"] == self.base + 1:
            self.base = w["seq"]
        ident = w["json"]["identifier"] if "json" in w else w["cap"].split("<identifier>")[1].split("<")[0]
        status = w["json"]["status"] if "json" in w else w["cap"].split("<status>")[1].split("<")[0]
        line = {"seq": w["seq"], "prev": w["prev"], "stream": w["stream"], "identifier": ident, "status": status, "source": source}
        self.delivered.append(line)
        print(json.dumps(line), flush=True)

    def snapshot(self):
        items, end = self.request("SNAPSHOT", self.filt())
        self.heads = dict(end["heads"])
        self.base = end["seq"]
        for w in items:
            self.deliver(w, "snapshot")

    def replay(self, to=None):
        while True:
            body = dict(self.filt(), **{"from": self.base + 1})
            if to is not None:
                body["to"] = to
            items, end = self.request("REPLAY", body)
            for w in items:
                if w["seq"] <= self.known(w["stream"]):
                    continue
                if w["prev"] > self.known(w["stream"]):
                    raise RuntimeError("a replay with a hole")
                self.deliver(w, "replay")
            self.base = max(self.base, end["to"])
            if not end["more"]:
                return

    def on_message(self, w):
        if w["seq"] <= self.known(w["stream"]):
            return  # already have it
        if (self.everything and w["seq"] > self.base + 1) or w["prev"] > self.known(w["stream"]):
            self.gaps += 1
            self.replay(to=w["seq"] - 1)
            if w["seq"] <= self.known(w["stream"]):
                return
        self.deliver(w, "live")

    def on_heartbeat(self, seq, body):
        self.heartbeats += 1
        if json.loads(body)["feed"] != self.feed:
            raise RuntimeError("the feed id changed")
        if seq > self.base:
            _, end = self.request("HEADS", self.filt())
            if any(h > self.known(s) for s, h in end["heads"].items()):
                self.gaps += 1
                self.replay(to=end["seq"])
            self.base = max(self.base, end["seq"])

    def run(self, resume_after, count, seconds, interval_s):
        if resume_after is None:
            self.snapshot()
        else:
            self.base = resume_after
            self.replay()
        last_heard, end_time = time.time(), time.time() + seconds
        while time.time() < end_time and len(self.delivered) < count:
            if not self.sub.poll(100):
                if time.time() - last_heard > 3 * interval_s:
                    print(json.dumps({"feed_lost": True}), flush=True)
                    last_heard = time.time()
                continue
            frames = self.sub.recv_multipart()
            last_heard = time.time()
            if frames[0] == b"hb":
                self.on_heartbeat(seq_of(frames[1]), frames[2])
            else:
                self.on_message(self.parse(frames))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service", required=True, help="the service's service.json")
    ap.add_argument("--key", required=True, help="this gateway's secret certificate (NAME.key_secret)")
    ap.add_argument("--prefix", action="append", help="stream prefix (repeat; default: all)")
    ap.add_argument("--format", default="full", choices=["json", "cap", "full"])
    ap.add_argument("--resume-after", type=int, help="replay every message after this sequence number")
    ap.add_argument("--count", type=int, default=10**9, help="stop after this many delivered messages")
    ap.add_argument("--seconds", type=float, default=30, help="stop after this long")
    args = ap.parse_args()
    with open(args.service) as f:
        service = json.load(f)
    s = Subscriber(service, args.key, args.prefix or [""], args.format)
    s.run(args.resume_after, args.count, args.seconds, 1.0)
    print(json.dumps({"done": True, "delivered": len(s.delivered), "gaps": s.gaps, "heartbeats": s.heartbeats, "base": s.base}), flush=True)


if __name__ == "__main__":
    main()
