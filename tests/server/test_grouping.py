"""The grouping algorithm on its own: typo folds, determinism, what is never grouped."""

from __future__ import annotations

from collections import Counter

from support_server.services.grouping import Text, group, typo_folds, words


def test_a_rare_misspelling_folds_into_the_frequent_word_one_edit_away() -> None:
    frequency = Counter({"export": 20, "exprot": 1, "expert": 2, "calendar": 9, "calender": 1})
    folds = typo_folds(frequency)
    assert folds == {"exprot": "export", "calender": "calendar", "expert": "export"}
    assert typo_folds(Counter({"cat": 50, "cart": 1})) == {}  # short words stay themselves


def test_words_drop_greetings_stopwords_and_numbers_and_fold_accents() -> None:
    assert words("Hi team, the CSV export (v2) is EMPTY 3 times!") == [
        "csv",
        "export",
        "empti",
        "time",
    ]
    assert words("Télécharger l'export") == words("telecharger l export")


def test_the_same_texts_give_the_same_groups_and_ids() -> None:
    texts = [
        Text(f"t{i}", s)
        for i, s in enumerate(
            ["csv export empty", "empty csv on export", "blank csv export", "invoice wrong total",
             "wrong invoice amount", "invoice total incorrect", "hello", ""]
        )
    ]  # fmt: skip
    first, second = group(texts), group(list(texts))
    assert [(g.id, g.keys) for g in first] == [(g.id, g.keys) for g in second]
    keys = [sorted(g.keys) for g in first if len(g.keys) > 1]
    assert sorted(keys) == [["t0", "t1", "t2"], ["t3", "t4", "t5"]]
    assert all("t7" not in g.keys for g in first)  # nothing to say, no group
    assert len({g.id for g in first}) == len(first)


def test_weight_counts_a_repeated_search_as_many() -> None:
    texts = [Text("a", "sync calendar fails"), Text("q:calendar sync", "calendar sync", 12)]
    (only,) = group(texts)
    assert only.weight == 13 and sorted(only.keys) == ["a", "q:calendar sync"]
