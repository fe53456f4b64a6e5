"""The service model's Java patterns, enforced as the service enforces them."""

from __future__ import annotations

import copy

import pytest

from simulator import service, shapes
from simulator.patterns import full_match, translate

from .factories import JOB


def model_patterns():
    model = service.model()
    return sorted({model.shape_for(name).metadata["pattern"] for name in model.shape_names
                   if "pattern" in model.shape_for(name).metadata})


def test_every_pattern_of_the_model_compiles():
    patterns = model_patterns()
    assert len(patterns) > 200
    for pattern in patterns:
        full_match(pattern, "")  # raises if it cannot be compiled: none is skipped


@pytest.mark.parametrize("pattern, accepted, rejected", [
    (r"[\p{L}]+", ["Zürich", "東京", "abc"], ["a1", "a b", "€"]),  # letters, any script
    (r"[\p{N}]+", ["123", "٣", "½"], ["a", "-"]),  # numbers, any script
    (r"[\p{Z}]+", [" ", "\u00a0", "\u2003"], ["\t", "_"]),  # separators (not tab)
    (r"[\p{M}]+", ["\u0301"], ["e"]),  # combining marks
    (r"[\p{S}]+", ["€", "+", "©"], ["a", "."]),  # symbols
    (r"[\p{P}]+", [".", "¿", "-"], ["a", "+"]),  # punctuation
    (r"[\p{Alnum}]+", ["abcXYZ019"], ["é", "٣", "_"]),  # Java's POSIX classes are ASCII only
    (r"\p{Punct}+", ["!-/:@[`{~"], ["¿", "a"]),
    (r"\d+", ["0123456789"], ["٣"]),  # and so are \d, \w, \s
    (r"\w+", ["a_Z9"], ["é"]),
    (r".*", ["any thing"], ["a\nb", "a\rb", "a\u0085b", "a\u2028b", "a\u2029b"]),  # . stops at line terminators
    (r"[.]+", ["..."], ["a"]),  # in a class, . is a dot
    (r"[\S\s]+", ["any\u00a0thing\n"], []),  # a class inside a class is a union
    (r"[\S]+", ["a\u00a0b"], ["a b"]),  # Java's \S is "not ASCII whitespace": NBSP passes
    (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", ["ok\t😀"], ["\x01"]),  # surrogate pairs
    (r"([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)${1,128}", ["team: ml"], ["a€"]),  # a quantified $ is just $
])
def test_each_translated_class_matches_as_java_does(pattern, accepted, rejected):
    for value in accepted:
        assert full_match(pattern, value), (pattern, value)
    for value in rejected:
        assert not full_match(pattern, value), (pattern, value)


def test_translation():
    assert translate(r"arn:[\p{Alnum}\-]+:x") == r"arn:[a-zA-Z0-9\-]+:x"
    assert translate(r"\p{Alnum}+") == "[a-zA-Z0-9]+"
    assert translate(r"\uD83D\uDE00") == r"\U0001F600"


def request_problems(**members):
    job = copy.deepcopy(JOB)
    job.update(members)
    return [str(p) for p in shapes.validate(job, service.input_shape("CreateTrainingJob"))]


def test_a_request_is_rejected_where_the_service_rejects_it():
    assert request_problems(Tags=[{"Key": "équipe", "Value": "données 2024"}]) == []
    assert request_problems(Tags=[{"Key": "cost€", "Value": "x"}]) == [
        r"Tags[0].Key: 'cost€' does not match the pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:creds"
    spec = {**JOB["AlgorithmSpecification"],
            "TrainingImageConfig": {"TrainingRepositoryAccessMode": "Vpc",
                                    "TrainingRepositoryAuthConfig": {"TrainingRepositoryCredentialsProviderArn": arn}}}
    assert request_problems(AlgorithmSpecification=spec) == []
    spec["TrainingImageConfig"]["TrainingRepositoryAuthConfig"]["TrainingRepositoryCredentialsProviderArn"] = (
        arn.replace("aws", "awś", 1))
    assert len(request_problems(AlgorithmSpecification=spec)) == 1
