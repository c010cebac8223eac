r"""The value formats real CRM/MA and Japanese Excel exports write, as DuckDB SQL.

Every function takes the SQL of a VARCHAR value (never NULL-unsafe) and returns
the SQL of the typed value, NULL when the text is not one of the accepted forms.
Everything runs inside DuckDB, so a multi-gigabyte file is normalised while it
streams, never row by row in Python.

Accepted forms (docs/contract.md lists them for exporters):

* Full-width ASCII (digits, letters, `／`, `：`, `，`, `．`, `－`, the
  ideographic space) is read as its half-width form first (the mapping is
  jaconv's), and surrounding whitespace is ignored.
* Timestamps: `YYYY-MM-DD` or `YYYY/MM/DD`, month and day with one or two
  digits, then optionally ` ` or `T`, the hour with one or two digits, `:MM`,
  optionally `:SS` and a fraction; optionally an offset `Z`, `+09`, `+0900`,
  `+09:00`. With an offset the instant is converted to the reporting timezone;
  without one it is read in the source timezone (`--source-timezone`).
* Japanese Excel's long date `2026年4月1日` is read as `2026/4/1` (a time may
  follow it after a space, as after any date).
* Dates: the same date forms; a time of exactly midnight (`2026/4/1 0:00`, as
  Excel writes date cells) is accepted and dropped.
* Years of dates and timestamps must lie in MIN_YEAR..MAX_YEAR (revops.validation
  quarantines others: `0001-01-01`, `9999-12-31` are placeholders or typos).
* Numbers: `1234`, `-1234.5`, `1e3`; thousands separators `1,234,567.5`; a
  leading `¥` or `￥`, or `\` (byte 0x5C, which Japanese Excel writes for ¥ in
  Shift-JIS files and Japanese fonts show as ¥). A number DECIMAL(20,4) cannot
  hold (`out_of_range`) or that it would round (more than 4 decimal places that
  are not zeros: `0.00005`, `1e-9`) is quarantined with its own reason.
* Booleans: true/false, TRUE/FALSE, t/f, 1/0, yes/no, はい/いいえ.
* Enum values: compared ignoring letter case, surrounding whitespace,
  full-width form, and the difference between space, `-` and `_`; the contract's
  spelling is loaded.
* Currencies: three letters, any case.

Ambiguous values are rejected with a reason naming the accepted forms:
`04/01/2026` (month/day or day/month?) and `1.234` (a decimal, or 1,234 with a
European thousands separator?). A number typed in a Parquet file is not text, so
not ambiguous: revops.rawio stages it through `typed_number_text`.
"""

from __future__ import annotations

import jaconv

from revops.rawio import sql_string

_FULL_WIDTH = "".join(chr(code) for code in range(0xFF01, 0xFF5F)) + "\u3000\uffe5"
_HALF_WIDTH = jaconv.z2h(_FULL_WIDTH[:-1], kana=False, ascii=True, digit=True) + "¥"

_DATE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
TIMESTAMP_PATTERN = f"{_DATE}(?:{_TIME}{_OFFSET}?)?"
TIMESTAMP_WITH_OFFSET_PATTERN = f"{_DATE}{_TIME}{_OFFSET}"
DATE_PATTERN = rf"{_DATE}(?:[T ]0?0:00(?::00(?:\.0+)?)?)?"
_CANONICAL_DATE_TIME = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?"
CANONICAL_TIMESTAMP_PATTERN = _CANONICAL_DATE_TIME
CANONICAL_TIMESTAMP_WITH_OFFSET_PATTERN = rf"{_CANONICAL_DATE_TIME}(?:Z|[+-]\d\d:\d\d)"
AMBIGUOUS_DATE_PATTERN = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?:[T ].*)?"
_PLAIN_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_GROUPED_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_YEN = r"[¥\\]?"
NUMBER_PATTERN = rf"[+-]?{_YEN}(?:{_PLAIN_NUMBER}|{_GROUPED_NUMBER})"
AMBIGUOUS_NUMBER_PATTERN = rf"[+-]?{_YEN}[1-9]\d{{0,2}}\.\d{{3}}"
CURRENCY_PATTERN = r"[A-Z]{3}"
_JAPANESE_DATE = r"^(\d{4})年(\d{1,2})月(\d{1,2})日"
MIN_YEAR, MAX_YEAR = 1900, 2999
"""The years a date or timestamp may have; others are quarantined (revops.validation)."""
DECIMAL_TYPE = "DECIMAL(20,4)"
DECIMAL_INTEGER_DIGITS, DECIMAL_PLACES = 16, 4
TRUE_WORDS = ("true", "t", "yes", "1", "はい")
FALSE_WORDS = ("false", "f", "no", "0", "いいえ")

TIMESTAMP_FORMS = "YYYY-MM-DD or YYYY/M/D, optionally with H:MM[:SS[.fff]] and an offset (Z, +09:00)"
DATE_FORMS = "YYYY-MM-DD or YYYY/M/D"
NUMBER_FORMS = "1234.5, 1,234,567, ¥1,234,567 or ￥1,234,567 (full-width digits too)"
BOOLEAN_FORMS = "true/false, TRUE/FALSE, t/f, 1/0, yes/no, はい/いいえ"
CURRENCY_FORMS = "a 3-letter ISO 4217 code"


def half_width(value: str) -> str:
    """SQL: `value` trimmed, with full-width ASCII, ￥ and the ideographic space made half-width.

    Every character `translate` maps is outside ASCII, so an ASCII value (as many bytes as
    characters) is only trimmed: DuckDB's translate costs ~4.6 us a value (2.3M timestamps: 10.7
    CPU-s), the length check ~0.1 us, and almost every value of a real export is ASCII.
    """
    translated = f"translate({value}, {sql_string(_FULL_WIDTH)}, {sql_string(_HALF_WIDTH)})"
    return f"trim(CASE WHEN strlen({value}) = length({value}) THEN {value} ELSE {translated} END)"


def date_text(value: str) -> str:
    """SQL: `half_width(value)` with a Japanese long date `2026年4月1日` (full-width digits too) written
    `2026/4/1`. Only non-ASCII text can hold one, so an ASCII value costs no regexp."""
    translated = f"translate({value}, {sql_string(_FULL_WIDTH)}, {sql_string(_HALF_WIDTH)})"
    japanese = f"regexp_replace({translated}, {sql_string(_JAPANESE_DATE)}, '\\1/\\2/\\3')"
    return f"trim(CASE WHEN strlen({value}) = length({value}) THEN {value} ELSE {japanese} END)"


def _dashed(text: str) -> str:
    """`2026/4/1 9:05` -> `2026-4-1 9:05`, which DuckDB's cast reads (one-digit parts included)."""
    return f"replace({text}, '/', '-')"


def _matches(text: str, pattern: str) -> str:
    return f"regexp_full_match({text}, {sql_string(pattern)})"


def timestamp(
    value: str, reporting_timezone: str, source_timezone: str, calendar_timezone: str | None = None
) -> str:
    """SQL: the timestamp as naive reporting time, NULL when not an accepted form.

    `reporting_timezone` is the zone the result is in (a load keeping UTC, as Salesforce's does, passes
    UTC); naive values are read in `source_timezone`; a date alone (`2026-09-05`, a Date field) is
    00:00 of that date in `calendar_timezone` (default `reporting_timezone`; a load keeping UTC passes
    the reporting timezone, so the date is still that day's midnight when staging converts UTC to it).

    A value in the canonical ISO form (`2026-04-01T09:05:00+09:00`, `...Z`, `2026-04-01 09:05:00`,
    two-digit fields, no space around it: what systems export) takes a short path with the same
    result: it is ASCII and untrimmed, so half_width leaves it as it is, it has no `/` to replace,
    and it matches the general patterns (with an offset exactly when it matches the canonical one
    with an offset). One simple pattern instead of the general two: 2.4 -> 1.25 CPU-s for 5M
    timestamps with an offset. `test_normalise.py` holds the two paths equal.
    """
    reporting = sql_string(reporting_timezone)
    source = sql_string(source_timezone)

    def naive(text: str) -> str:
        cast = f"try_cast({text} AS TIMESTAMP)"
        return (
            cast
            if source_timezone == reporting_timezone
            else f"timezone({reporting}, timezone({source}, {cast}))"
        )

    def with_offset(text: str) -> str:
        return f"timezone({reporting}, try_cast({text} AS TIMESTAMPTZ))"

    return (
        f"CASE WHEN {_matches(value, CANONICAL_TIMESTAMP_WITH_OFFSET_PATTERN)} THEN {with_offset(value)} "
        f"WHEN {_matches(value, CANONICAL_TIMESTAMP_PATTERN)} THEN {naive(value)} "
        f"ELSE {any_timestamp(value, reporting_timezone, source_timezone, calendar_timezone)} END"
    )


def any_timestamp(
    value: str, reporting_timezone: str, source_timezone: str, calendar_timezone: str | None = None
) -> str:
    """SQL: `timestamp` without its short path for the canonical form: every accepted form."""
    text = date_text(value)
    reporting = sql_string(reporting_timezone)
    calendar_timezone = calendar_timezone or reporting_timezone
    naive = f"try_cast({_dashed(text)} AS TIMESTAMP)"
    in_source = naive
    if source_timezone != reporting_timezone:
        in_source = f"timezone({reporting}, timezone({sql_string(source_timezone)}, {naive}))"
    # A date alone is a calendar date (a Date field, e.g. Salesforce's), not an instant of the source
    # timezone: midnight of that date in the calendar (reporting) timezone, as a date column reads it,
    # expressed in the zone the result is kept in.
    date_alone = naive
    if calendar_timezone != reporting_timezone:
        date_alone = f"timezone({reporting}, timezone({sql_string(calendar_timezone)}, {naive}))"
    if in_source != date_alone:
        naive = f"CASE WHEN {_matches(text, _DATE)} THEN {date_alone} ELSE {in_source} END"
    with_offset = f"timezone({reporting}, try_cast({_dashed(text)} AS TIMESTAMPTZ))"
    return (
        f"CASE WHEN {_matches(text, TIMESTAMP_PATTERN)} THEN "
        f"CASE WHEN {_matches(text, TIMESTAMP_WITH_OFFSET_PATTERN)} THEN {with_offset} ELSE {naive} END END"
    )


def date(value: str) -> str:
    """SQL: the date, NULL when not an accepted form."""
    text = date_text(value)
    return f"CASE WHEN {_matches(text, DATE_PATTERN)} THEN try_cast({_dashed(text)} AS DATE) END"


def _digits(text: str) -> str:
    return f"replace(replace(replace({text}, '¥', ''), '\\', ''), ',', '')"


def _is_number(text: str) -> str:
    return f"{_matches(text, NUMBER_PATTERN)} AND NOT {_matches(text, AMBIGUOUS_NUMBER_PATTERN)}"


def number(value: str) -> str:
    """SQL: the number as DECIMAL(20,4), NULL when not an accepted form (or ambiguous)."""
    text = half_width(value)
    return f"CASE WHEN {_is_number(text)} THEN try_cast({_digits(text)} AS {DECIMAL_TYPE}) END"


def number_problem(value: str) -> str:
    """SQL: why an accepted number form does not load (NULL when it does, or is not a number): out of
    DECIMAL(20,4)'s range, or more decimal places than it keeps that are not zeros (it would be rounded:
    `0.00005`, `1e-9`). Compared with DECIMAL(38,18), so ~18 decimals are seen; an exponent form small
    enough to round to 0 there too (`1e-30`) is caught as a non-zero DOUBLE read as 0."""
    text = half_width(value)
    digits = _digits(text)
    kept = f"try_cast({digits} AS {DECIMAL_TYPE})"
    exact = f"try_cast({digits} AS DECIMAL(38,18))"
    as_double = f"try_cast({digits} AS DOUBLE)"
    out_of_range = sql_string(
        f"out of range (at most {DECIMAL_INTEGER_DIGITS} digits before the decimal point: {DECIMAL_TYPE})"
    )
    rounded = sql_string(
        f"more than {DECIMAL_PLACES} decimal places (would be rounded: {DECIMAL_TYPE}); round it in the export"
    )
    return (
        f"CASE WHEN {_is_number(text)} THEN CASE "
        f"WHEN {kept} IS NULL AND {as_double} IS NOT NULL THEN {out_of_range} "
        f"WHEN {kept} IS DISTINCT FROM {exact} OR ({kept} = 0 AND {as_double} <> 0) THEN {rounded} END END"
    )


def typed_number_text(text: str) -> str:
    """SQL: the VARCHAR `text` of a typed number (a Parquet FLOAT, DOUBLE or DECIMAL), with one more zero
    decimal when it looks ambiguous (`12.345` -> `12.3450`): the same number, which `number` reads and
    `ambiguity` leaves alone. A typed number has no thousands separator to be mistaken for."""
    return f"CASE WHEN {_matches(text, AMBIGUOUS_NUMBER_PATTERN)} THEN {text} || '0' ELSE {text} END"


def boolean(value: str) -> str:
    """SQL: the boolean, NULL when not an accepted word."""
    word = f"lower({half_width(value)})"
    true_words = ", ".join(map(sql_string, TRUE_WORDS))
    false_words = ", ".join(map(sql_string, FALSE_WORDS))
    return f"CASE WHEN {word} IN ({true_words}) THEN true WHEN {word} IN ({false_words}) THEN false END"


def _enum_key(text: str) -> str:
    return f"lower(regexp_replace({text}, '[\\s_-]+', '_', 'g'))"


def enum_key(allowed: str) -> str:
    """The Python spelling of the comparison key of an allowed enum value."""
    import re

    return re.sub(r"[\s_-]+", "_", allowed.strip()).lower()


def enum(value: str, values: tuple[str, ...]) -> str:
    """SQL: the contract's spelling of the enum value, NULL when it matches none.

    A value already spelled as the contract spells it is taken as it is (an IN list costs a fraction
    of the comparison key's regexp_replace, and almost every value of an export is spelled so).
    """
    keys = [enum_key(allowed) for allowed in values]
    if len(set(keys)) != len(keys):
        raise ValueError(f"enum values {values} are not distinct once case, space, '-' and '_' are ignored")
    key = _enum_key(half_width(value))
    cases = " ".join(
        f"WHEN {sql_string(k)} THEN {sql_string(allowed)}" for k, allowed in zip(keys, values, strict=True)
    )
    spelled = ", ".join(map(sql_string, values))
    return f"CASE WHEN {value} IN ({spelled}) THEN {value} ELSE (CASE {key} {cases} END) END"


def currency(value: str) -> str:
    """SQL: the upper-case ISO 4217 code, NULL when not three letters."""
    code = f"upper({half_width(value)})"
    return f"CASE WHEN regexp_full_match({code}, {sql_string(CURRENCY_PATTERN)}) THEN {code} END"


def ambiguity(column_type: str, value: str) -> str | None:
    """SQL: why the text is ambiguous (NULL when it is not), for the types that have ambiguous forms."""
    text = date_text(value) if column_type in ("timestamp", "date") else half_width(value)
    if column_type in ("timestamp", "date"):
        forms = TIMESTAMP_FORMS if column_type == "timestamp" else DATE_FORMS
        return (
            f"CASE WHEN regexp_full_match({text}, {sql_string(AMBIGUOUS_DATE_PATTERN)}) THEN "
            f"{sql_string('ambiguous date (month/day or day/month?); write ' + forms)} END"
        )
    if column_type == "decimal":
        return (
            f"CASE WHEN regexp_full_match({text}, {sql_string(AMBIGUOUS_NUMBER_PATTERN)}) THEN "
            f"{sql_string('ambiguous number (a decimal point or a thousands separator?); write ' + NUMBER_FORMS)}"
            " END"
        )
    return None
