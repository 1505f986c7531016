#!/usr/bin/env python3
"""Writes posts.csv and annotations.csv of the project's ReDSM5 fixture.

Every sentence below was written for this project; none comes from Reddit or
from the ReDSM5 corpus. Posts are composed from these sentences with a fixed
seed, so running the script again rewrites the same files byte for byte:

    python3 data/testdata/redsm5-fixture/make_fixture.py
"""
import csv
import os
import random

T = ["for weeks now", "since the spring", "all month", "since my move", "lately", "since the new job started"]

# label -> (positive sentences, rejected sentences). {t} is a time phrase.
S = {
    "DEPRESSED_MOOD": (
        ["I feel sad and empty almost every single day {t}.",
         "Most mornings I wake up feeling hopeless, and the feeling never lifts.",
         "I cry in the car before work because everything feels so heavy and dark.",
         "There is a constant grey sadness over me {t}.",
         "I feel down and miserable from the moment I wake up.",
         "Nothing has felt hopeful {t}; I just feel low all the time."],
        ["I was a bit sad when the match was cancelled, but it passed in an hour.",
         "My mood has been pretty good {t}, honestly."]),
    "ANHEDONIA": (
        ["I used to love painting, but now I have no interest in it at all.",
         "Nothing I used to enjoy gives me any pleasure {t}.",
         "Games, music, friends: none of it feels fun anymore.",
         "I stopped going to climbing because I just don't care about it now.",
         "Even my favourite shows feel pointless and boring {t}.",
         "I can't enjoy anything, not even time with my dog."],
        ["I still love my weekend hikes and look forward to them.",
         "I got bored of chess, so I picked up the guitar instead and I enjoy it."]),
    "APPETITE_CHANGE": (
        ["I have barely eaten {t} and I lost eight kilos without trying.",
         "My appetite is gone; food tastes like cardboard.",
         "I keep eating huge amounts at night and have gained a lot of weight {t}.",
         "I skip meals because I am never hungry anymore.",
         "I've been binge eating junk food every evening {t}.",
         "My clothes are loose because I stopped feeling hungry."],
        ["I am eating normally and my weight has not changed.",
         "I started a diet on purpose to get fit for the race."]),
    "SLEEP_ISSUES": (
        ["I can't fall asleep until four in the morning {t}.",
         "I wake up at three every night and lie awake until dawn.",
         "I sleep twelve or thirteen hours a day and still want more sleep.",
         "Insomnia has wrecked my nights {t}; I get maybe three hours.",
         "I spend most of the day in bed sleeping.",
         "My sleep is broken; I wake up again and again through the night."],
        ["I sleep a solid eight hours and wake up rested.",
         "I stayed up late once for a concert, but my sleep is fine."]),
    "PSYCHOMOTOR": (
        ["My friends say I talk and move so slowly now, like I'm underwater.",
         "I can't sit still; I pace the flat for hours and pick at my hands.",
         "Everything I do feels slowed down, even lifting a cup.",
         "I'm restless and fidgety all day, and people have started to notice.",
         "My movements feel heavy and sluggish {t}.",
         "I keep jiggling my legs and getting up, I just can't stay still."],
        ["I walk fast because I am always late for the bus.",
         "I moved to a new flat last month."]),
    "FATIGUE": (
        ["I'm exhausted all the time, even after doing nothing.",
         "Taking a shower drains all my energy {t}.",
         "I have no energy left; small chores wipe me out.",
         "I feel tired and worn out every single day.",
         "By noon I'm so drained that I have to lie down.",
         "I'm constantly fatigued and my body feels like lead."],
        ["I was tired after the marathon, which makes sense.",
         "I have plenty of energy for work and the gym."]),
    "WORTHLESSNESS": (
        ["I feel completely worthless and like a burden to everyone.",
         "Everything that goes wrong is my fault, and I hate myself for it.",
         "I'm a failure and I don't deserve the people around me.",
         "I feel so guilty about things I did years ago that I can't let go.",
         "I'm useless; I ruin everything I touch.",
         "I keep thinking that my family would be better off without such a disappointment."],
        ["I felt a little guilty for eating the last slice of cake.",
         "I'm proud of how I handled the exam."]),
    "COGNITIVE_ISSUES": (
        ["I can't concentrate on anything; I read the same page ten times.",
         "My mind is foggy {t} and I keep forgetting simple things.",
         "I can't make even small decisions, like what to eat.",
         "At work I lose focus after a few minutes.",
         "My thoughts are slow and I can't think clearly.",
         "I forget appointments and can't keep track of conversations."],
        ["I forgot my keys once this week.",
         "I focused well during the whole lecture today."]),
    "SUICIDAL_THOUGHTS": (
        ["I keep thinking about killing myself.",
         "Sometimes I wish I could go to sleep and never wake up.",
         "I've started planning how I would end my life.",
         "Thoughts of death follow me around all day {t}.",
         "I wrote a goodbye letter last night.",
         "I often think everyone would be better off if I were dead."],
        ["The film was about death, and it made me think about my grandmother.",
         "I would never hurt myself; I have too much to live for."]),
    "SPECIAL_CASE": (
        ["My doctor changed my antidepressant dose and things feel strange.",
         "The anxiety attacks are the worst part {t}.",
         "I was diagnosed with depression two years ago."],
        []),
}

NEUTRAL = [
    "I'm twenty-four and live with two roommates.",
    "Work has been busy because of the end of the quarter.",
    "My sister visited last weekend.",
    "I'm posting here because I don't know who else to ask.",
    "Sorry for the long post.",
    "We adopted a cat in January.",
    "I study engineering at a small college.",
    "My parents live in another city.",
    "Thanks for reading, if anyone does.",
    "The weather here has been grey and rainy.",
    "I started a new job in March.",
    "I don't usually post things like this.",
    "My best friend moved abroad last year.",
    "I've been seeing a therapist once a month.",
    "Anyway, that's where I am right now.",
]

LABELS = list(S)
N_POSTS = 60


def compose(rng, n):
    """Returns the sentences of post n and its annotation rows as
    (sentence index, label, status)."""
    k = 1 + (n % 3 == 0)
    labels = rng.sample(LABELS[:9], k)
    if n % 10 == 4:
        labels.append("SPECIAL_CASE")
    parts = [(rng.choice(S[l][0]).replace("{t}", rng.choice(T)), l, 1) for l in labels]
    if n % 2 == 0:
        l = rng.choice(LABELS[:9])
        parts.append((rng.choice(S[l][1]).replace("{t}", rng.choice(T)), l, 0))
    for s in rng.sample(NEUTRAL, 2 + n % 3):
        parts.append((s, None, None))
    rng.shuffle(parts)
    return parts


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(20260101)
    posts, anns = [], []
    for n in range(1, N_POSTS + 1):
        pid = f"fx_{n:03d}"
        parts = compose(rng, n)
        posts.append((pid, " ".join(p[0] for p in parts)))
        for i, (sent, label, status) in enumerate(parts):
            if label is None:
                continue
            expl = (f"The writer describes {label.lower().replace('_', ' ')}." if status
                    else f"Considered for {label.lower().replace('_', ' ')} but the sentence does not show it.")
            anns.append([pid, f"{pid}_{i}", sent, label, status, expl])
    # The deliberate not-verbatim sentence: the annotator's copy of the first
    # annotation of post fx_007 is reworded (documented in README.md).
    for a in anns:
        if a[0] == "fx_007":
            first = a[2] if a[2].startswith("I ") else a[2][0].lower() + a[2][1:]
            a[2] = "Honestly, " + first.rstrip(".") + ", to be fair."
            break
    with open(os.path.join(here, "posts.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["post_id", "text"])
        w.writerows(posts)
    with open(os.path.join(here, "annotations.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["post_id", "sentence_id", "sentence_text", "DSM5_symptom", "status", "explanation"])
        w.writerows(anns)


if __name__ == "__main__":
    main()
