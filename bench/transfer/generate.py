#!/usr/bin/env python3
"""Writes N Graph-shaped personInterest records as NDJSON (the export format) to stdout:
~500 topics, ~30 categories, 0-3 categories and 0-2 tags each, every settable audience,
owners spread over N/10 users, ids and history included. Deterministic (seeded)."""
import json, random, sys, uuid
from datetime import datetime, timedelta, timezone

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = random.Random(42)
topics = [f"Topic {i}" for i in range(500)]
categories = [f"Category {i}" for i in range(30)]
tags = ["askMeAbout", "ableToMentor", "wantsToLearn", "wantsToImprove"]
audiences = ["me", "family", "contacts", "groupMembers", "organization", "federatedOrganizations", "everyone"]
start = datetime(2024, 1, 1, tzinfo=timezone.utc)
out = sys.stdout
for i in range(n):
    user = f"user-{i % max(1, n // 10)}"
    created = start + timedelta(seconds=i * 17, microseconds=rng.randrange(1_000_000))
    by = {"application": None, "device": None, "user": {"displayName": user.title(), "id": user}}
    record = {
        "@odata.type": "#microsoft.graph.personInterest",
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "userId": user,
        "allowedAudiences": rng.choice(audiences),
        "inference": {"confidenceScore": round(rng.random(), 2), "userHasVerifiedAccuracy": False} if i % 5 == 0 else None,
        "createdDateTime": created.isoformat().replace("+00:00", "Z"),
        "createdBy": by,
        "lastModifiedDateTime": (created + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "lastModifiedBy": by,
        "source": {"type": ["User"]} if i % 3 == 0 else None,
        "categories": rng.sample(categories, rng.randrange(4)),
        "description": f"Notes on {rng.choice(topics).lower()} number {i}" if i % 2 == 0 else None,
        "displayName": rng.choice(topics),
        "webUrl": f"https://example.com/topics/{i}" if i % 4 == 0 else None,
        "collaborationTags": rng.sample(tags, rng.randrange(3)),
        "thumbnailUrl": None,
        "isSearchable": i % 10 != 0,
    }
    out.write(json.dumps(record, separators=(",", ":")))
    out.write("\n")
