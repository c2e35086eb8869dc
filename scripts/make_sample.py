"""Write the small sample catalog that `make demo` loads (src/weaviate_recsys/data/sample/).

The sample is synthetic and deterministic (seeded): a few hundred items over six domains, users with one to
three interests, their views, clicks, purchases, ratings and reviews. Run it again only to change the sample.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "weaviate_recsys" / "data" / "sample"

# domain -> subdomain -> (nouns, features)
CATALOG: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "Electronics": {
        "Audio": (
            [
                "wireless headphones",
                "bluetooth speaker",
                "noise cancelling earbuds",
                "soundbar",
                "studio monitor headphones",
            ],
            ["deep bass", "30 hour battery", "active noise cancellation", "low latency", "foldable design"],
        ),
        "Computers": (
            ["mechanical keyboard", "wireless mouse", "4k monitor", "usb-c hub", "laptop stand"],
            ["hot-swappable switches", "ergonomic shape", "usb-c charging", "adjustable height", "backlit keys"],
        ),
        "Cameras": (
            ["mirrorless camera", "action camera", "camera tripod", "prime lens", "camera backpack"],
            ["image stabilization", "4k video", "weather sealing", "fast autofocus", "carbon fiber legs"],
        ),
    },
    "Kitchen": {
        "Cookware": (
            ["cast iron skillet", "nonstick frying pan", "dutch oven", "stainless saucepan", "wok"],
            ["even heat", "oven safe", "induction ready", "pre-seasoned", "dishwasher safe"],
        ),
        "Coffee": (
            ["espresso machine", "burr coffee grinder", "pour over kettle", "french press", "cold brew maker"],
            ["gooseneck spout", "temperature control", "conical burrs", "milk frother", "double wall glass"],
        ),
        "Baking": (
            ["stand mixer", "silicone baking mat", "bread proofing basket", "cake pan set", "digital kitchen scale"],
            ["non-stick surface", "gram precision", "dough hook", "easy release", "heavy gauge steel"],
        ),
    },
    "Outdoors": {
        "Camping": (
            ["ultralight tent", "sleeping bag", "camping stove", "headlamp", "insulated sleeping pad"],
            ["waterproof rainfly", "rated to 20F", "packs small", "rechargeable battery", "three season"],
        ),
        "Hiking": (
            ["trail running shoes", "hiking backpack", "trekking poles", "water filter", "rain jacket"],
            ["grippy outsole", "hydration sleeve", "breathable membrane", "lightweight aluminum", "removes bacteria"],
        ),
        "Cycling": (
            ["road bike helmet", "bike light set", "cycling jersey", "bike repair kit", "clipless pedals"],
            ["mips protection", "usb rechargeable", "moisture wicking", "multi tool", "adjustable tension"],
        ),
    },
    "Office": {
        "Writing": (
            ["gel pens", "fountain pen", "dotted notebook", "mechanical pencil", "highlighter set"],
            ["smooth ink", "fine nib", "fountain pen friendly paper", "0.5 mm lead", "quick drying"],
        ),
        "Printing": (
            ["laser printer", "inkjet printer", "toner cartridge", "photo paper", "label maker"],
            ["duplex printing", "wireless printing", "high yield", "glossy finish", "thermal labels"],
        ),
        "Organization": (
            ["desk organizer", "file cabinet", "whiteboard", "paper shredder", "binder clips"],
            ["bamboo finish", "locking drawer", "magnetic surface", "cross cut", "assorted sizes"],
        ),
    },
    "Books": {
        "Fiction": (
            [
                "science fiction novel",
                "fantasy trilogy",
                "mystery thriller",
                "historical novel",
                "short story collection",
            ],
            ["page turner", "award winning", "space opera", "detective story", "epic worldbuilding"],
        ),
        "Cooking": (
            [
                "baking cookbook",
                "vegetarian cookbook",
                "bread baking guide",
                "italian cookbook",
                "fermentation handbook",
            ],
            ["step by step photos", "sourdough recipes", "weeknight meals", "pasta from scratch", "kimchi and pickles"],
        ),
        "Technology": (
            [
                "python programming book",
                "machine learning textbook",
                "database design guide",
                "linux handbook",
                "web development book",
            ],
            ["hands-on examples", "neural networks", "sql and indexing", "shell scripting", "javascript and css"],
        ),
    },
    "Music": {
        "Instruments": (
            ["acoustic guitar", "digital piano", "ukulele", "electronic drum kit", "violin outfit"],
            ["solid spruce top", "weighted keys", "beginner friendly", "mesh heads", "includes case"],
        ),
        "Accessories": (
            ["guitar strings", "guitar tuner", "music stand", "audio interface", "studio microphone"],
            ["phosphor bronze", "clip-on", "foldable", "low noise preamps", "cardioid pattern"],
        ),
    },
}
BRANDS = ["Acme", "Northwind", "Lumen", "Orbit", "Kestrel", "Maple & Co", "Tandem", "Vireo", "Solace", "Quill"]
ADJECTIVES = ["compact", "premium", "classic", "everyday", "pro", "travel", "heavy-duty", "minimalist"]
STATED = {
    "Electronics": "I love good headphones and tinker with computer gear, keyboards and cameras.",
    "Kitchen": "Home cook: espresso in the morning, cast iron cooking and weekend baking.",
    "Outdoors": "Most weekends I am hiking or camping, and I commute by bike.",
    "Office": "I journal with fountain pens and keep a tidy, well organised desk.",
    "Books": "Big reader of science fiction and fantasy, plus programming books.",
    "Music": "I play acoustic guitar and record music at home.",
}
REVIEW = {
    5: [
        "Excellent {noun}, the {feature} is exactly what I wanted.",
        "Love this {noun}. {feature} makes a real difference.",
    ],
    4: ["Good {noun}, {feature} works well, a little pricey.", "Solid {noun} with {feature}."],
    2: [
        "The {noun} is disappointing, {feature} did not hold up.",
        "Returned the {noun}: {feature} was not as described.",
    ],
}


def main() -> None:
    rng = random.Random(20261128)
    items = []
    for domain, subs in CATALOG.items():
        for sub, (nouns, features) in subs.items():
            for noun in nouns:
                for variant in range(3):
                    adj = ADJECTIVES[(len(items) + variant) % len(ADJECTIVES)]
                    brand = rng.choice(BRANDS)
                    feats = rng.sample(features, 2)
                    iid = f"{domain[:2].upper()}{len(items):04d}"
                    items.append(
                        {
                            "item_id": iid,
                            "title": f"{brand} {adj.title()} {noun.title()}",
                            "description": f"A {adj} {noun} with {feats[0]} and {feats[1]}. "
                            f"Made by {brand} for people who care about {sub.lower()}.",
                            "categories": [domain, sub, noun.title()],
                            "tags": [noun, *feats],
                            "brand": brand,
                            "_noun": noun,
                            "_features": feats,
                        }
                    )
    by_domain: dict[str, list[dict]] = {}
    for it in items:
        by_domain.setdefault(it["categories"][0], []).append(it)
    domains = list(CATALOG)
    users, interactions = [], []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for u in range(60):
        uid = f"u{u:03d}"
        interests = rng.sample(domains, rng.choice([1, 2, 2, 3]))
        weights = sorted((rng.random() + 0.3 for _ in interests), reverse=True)
        user = {"user_id": uid, "name": f"User {u}"}
        if u % 3 == 0:
            user["stated_interests"] = " ".join(STATED[d] for d in interests[:2])
        users.append(user)
        t = start + timedelta(days=rng.randint(0, 30))
        for _ in range(rng.randint(6, 25)):
            d = rng.choices(interests, weights=weights)[0]
            if rng.random() < 0.08:  # a little noise outside the interests
                d = rng.choice(domains)
            it = rng.choice(by_domain[d])
            t += timedelta(hours=rng.randint(1, 72))
            kind = rng.choices(["view", "click", "purchase", "rating", "review"], weights=[5, 3, 2, 1, 1])[0]
            row = {"user_id": uid, "item_id": it["item_id"], "kind": kind, "timestamp": t.isoformat()}
            if kind in ("rating", "review"):
                stars = rng.choice([5, 5, 4, 4, 2]) if d in interests else 2
                row["rating"] = stars
                if kind == "review":
                    row["text"] = rng.choice(REVIEW[stars]).format(noun=it["_noun"], feature=it["_features"][0])
            interactions.append(row)
    # A brand new user who only wrote about themselves, for the cold-start part of the demo.
    users.append(
        {
            "user_id": "newcomer",
            "name": "New Customer",
            "stated_interests": "I just started baking sourdough bread and want a good stand mixer.",
        }
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in (("items", items), ("users", users), ("interactions", interactions)):
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps({k: v for k, v in row.items() if not k.startswith("_")}) + "\n")
    print(f"wrote {len(items)} items, {len(users)} users, {len(interactions)} interactions to {OUT}")


if __name__ == "__main__":
    main()
