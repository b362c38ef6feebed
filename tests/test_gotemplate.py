"""Go's template language as docker's CLI runs it. The expected texts were printed by
`docker inspect -f TEMPLATE` (docker 28) on the same data; tests/interop/test_format_docker.py
compares with the docker CLI live."""

from __future__ import annotations

import pytest

from dfc.commands.formatting import Template as FormatTemplate
from dfc.commands.formatting import tabulate
from dfc.gotemplate import Record, Template, TemplateError

DATA = {"Os": "linux", "Tags": ["a:1", "b:2"], "Empty": [], "Null": None, "Size": 1984241,
        "Data": {"b": "2", "a": "1"}, "RootFS": {"Type": "layers", "Layers": ["sha256:x"]}}

CASES = [
    ('{{printf "%-10s|%5d|%q|%v|%x|%X|%05d|%+d|%.2f|%e|%g|%t|%c|%%" "hello" 42 "a\\tb" 1.5 '
     '255 "hi" 42 7 3.14159 1000000.0 0.00001 true 65}}',
     'hello     |   42|"a\\tb"|1.5|ff|6869|00042|+7|3.14|1.000000e+06|1e-05|true|A|%'),
    ('{{printf "%d %s" "x" 5}} {{printf "%d"}} {{printf "%d" 1 2}}',
     "%!d(string=x) %!s(int=5) %!d(MISSING) 1%!(EXTRA int=2)"),
    ('{{print 1 2 "a" 3 nil true}} {{println "a" 1}}', "1 2a3 <nil> true a 1\n"),
    ("{{1000000.0}} {{123456.0}} {{1234567.0}} {{0.0001}} {{0.00001}} {{1e21}} {{-2.5}} {{3}}",
     "1e+06 123456 1.234567e+06 0.0001 1e-05 1e+21 -2.5 3"),
    ("{{.Tags}} {{.Empty}} {{.Data}} {{.Null}} {{.Nope}} {{.Size}}",
     "[a:1 b:2] [] map[a:1 b:2] <no value> <no value> 1984241"),
    ("{{range $i, $e := .Tags}}{{$i}}:{{$e}} {{end}}{{range .Empty}}x{{else}}none{{end}}",
     "0:a:1 1:b:2 none"),
    ('{{if eq .Os "linux"}}lin{{else if eq .Os "x"}}x{{else}}other{{end}}', "lin"),
    ("{{with .RootFS}}{{.Type}}{{end}} {{with .Nope}}m{{else}}none{{end}}", "layers none"),
    ('{{len .Tags}} {{index .Tags 0}} {{index .Data "a" | len}}', "2 a:1 1"),
    ('{{json .Tags}} {{json .RootFS}} {{json "a<b"}} {{json 1.5}} {{json 1000000.0}}',
     '["a:1","b:2"] {"Type":"layers","Layers":["sha256:x"]} "a<b" 1.5 1000000'),
    ('{{join .Tags ","}} {{split "a,b,c" ","}} {{title "hello wORLD-foo_bar x.y"}} '
     '{{lower "AbC"}} {{upper "abc"}}', "a:1,b:2 [a b c] Hello WORLD-Foo_bar X.Y abc ABC"),
    ('[{{pad "x" 2 3}}] [{{pad "" 2 3}}] {{truncate "abcdef" 3}} {{truncate "ab" 3}}',
     "[  x   ] [] abc ab"),
    ('{{- "a" -}}   {{/* comment */}}  {{ "b" }}  {{- "c"}}', "a  bc"),
    ('{{$x := .Os}}{{$x}} {{$x = "y"}}{{$x}}', "linux y"),
    ('{{or 0 "" nil}} {{and 1 "x"}} {{and 0 "x"}} {{eq 1 2 1}} {{lt 1 2}} {{ge "b" "a"}}',
     "<no value> x 0 true true true"),
    ('{{range 3}}{{.}}{{end}} {{slice "abcdef" 1 3}} {{html "<a>&"}} {{urlquery "a b&c"}}',
     "012 bc &lt;a&gt;&amp; a+b%26c"),
    ("{{range .Tags}}{{break}}{{end}}{{range $k, $v := .Data}}{{$k}} {{continue}}{{end}}",
     "a b "),
    ('{{printf "%10.3s|" "abcdef"}} {{printf "%-5d|%x" 3 "A"}} {{printf "%q %v" \'a\' \'a\'}}',
     "       abc| 3    |41 'a' 97"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_template_prints_what_docker_prints(template: str, expected: str) -> None:
    assert Template(template).execute(DATA) == expected


ERRORS = [
    ("{{foo}}", 'template: :1: function "foo" not defined'),
    ("{{.Os", "template: :1: unclosed action"),
    ("{{if .Os}}", "template: :1: unexpected EOF"),
    ("{{end}}", "template: :1: unexpected {{end}}"),
    ("{{index .Tags 5}}",
     'template: :1:2: executing "" at <index .Tags 5>: error calling index: index out of '
     "range: 5"),
    ("{{eq 1 1.0}}", 'template: :1:2: executing "" at <eq 1 1.0>: error calling eq: '
     "incompatible types for comparison"),
    ("{{.Foo}}", 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"'),
    ("{{len 3}}", 'template: :1:2: executing "" at <len 3>: error calling len: len of type int'),
    ("{{break}}", "template: :1: {{break}} outside {{range}}"),
]


@pytest.mark.parametrize(("template", "message"), ERRORS)
def test_errors_read_as_dockers(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as raised:
        Template(template, missing_key_error=True).execute(DATA)
    assert str(raised.value) == message


def test_missing_key_error_holds_for_every_map() -> None:
    """Go's missingkey=error (docker's second, raw-JSON run of an inspect template) fails
    on a missing key at any depth; without it the key is `<no value>`."""
    with pytest.raises(TemplateError, match='map has no entry for key "zzz"'):
        Template("{{.Data.zzz}}", missing_key_error=True).execute(DATA)
    template = Template("{{.Data.zzz}} {{if .RootFS.Health}}x{{else}}none{{end}}")
    assert template.execute(DATA) == "<no value> none"


def test_record_fields_are_struct_fields() -> None:
    row = Record({"ID": "abc"}, "*formatter.imageContext")
    with pytest.raises(TemplateError, match=r"can't evaluate field Nope in type "
                       r"\*formatter\.imageContext"):
        Template("{{.Nope}}").execute(row)


def test_table_headers_use_dockers_header_functions() -> None:
    template = FormatTemplate("table {{upper .Name}}\\t{{json .ID}}\\t{{.Size}}",
                              ["Name", "ID", "Size"])
    rows = [{"Name": "busybox", "ID": "123", "Size": "1MB"}]
    assert template.render(rows, {"Name": "NAME", "ID": "IMAGE ID", "Size": "SIZE"}) == (
        'NAME      IMAGE ID   SIZE\nBUSYBOX   "123"      1MB\n')


def test_tabwriter_aligns_runs_of_lines_that_share_a_column() -> None:
    """Go's tabwriter: a line with fewer cells ends the column block above it."""
    lines = [["a", "b", "c"], ["long-long-cell", "d"], ["e"], ["f", "g"]]
    assert tabulate(lines) == ("a" + " " * 16 + "b" + " " * 9 + "c\n"
                               "long-long-cell   d\n"
                               "e\n"
                               "f         g\n")


def test_record_methods_take_arguments_and_stay_out_of_json() -> None:
    labels = {"com.example.tier": "web"}
    row = Record({"Names": "web1", "Label": lambda key: labels.get(key, "")},
                 "*formatter.ContainerContext")
    assert Template('{{.Label "com.example.tier"}}|{{.Label "nope"}}|{{json .}}').execute(
        row) == '{"Names":"web1"}'.join(["web||", ""])
    headers = {"Names": "NAMES", "Label": lambda key: key}
    table = FormatTemplate('table {{.Names}}\\t{{.Label "com.example.tier"}}',
                           ["Names", "Label"], "*formatter.ContainerContext")
    assert table.render([row], headers) == ("NAMES     com.example.tier\n"
                                            "web1      web\n")


def test_record_json_has_sorted_keys_as_dockers_contexts() -> None:
    row = Record({"Tag": "1", "ID": "abc", "Repository": "r"}, "*formatter.imageContext")
    assert Template("{{json .}}").execute(row) == '{"ID":"abc","Repository":"r","Tag":"1"}'


def test_record_json_escapes_html_as_json_marshal_does() -> None:
    row = Record({"Digest": "<none>", "Tag": "a&b"}, "*formatter.imageContext")
    assert Template("{{json .}} {{json .Digest}}").execute(row) == \
        '{"Digest":"\\u003cnone\\u003e","Tag":"a\\u0026b"} "<none>"'


def test_a_bare_table_format_is_the_commands_own_table() -> None:
    from dfc.commands.formatting import chosen_format

    assert chosen_format("table", "table {{.ID}}") == "table {{.ID}}"
    assert chosen_format(None, "table {{.ID}}") == "table {{.ID}}"
    assert chosen_format("{{.Tag}}", "table {{.ID}}") == "{{.Tag}}"


def test_any_text_renders_or_fails_with_a_template_error() -> None:
    """No input makes the engine raise anything but TemplateError (a traceback would be
    dfc's internal error, exit 70)."""
    import random

    pieces = ["{{", "}}", ".A", ".B.C", "$x", ":=", "|", "printf", '"%d"', '"%c"', "-1",
              "1e400", "index", "len", "range", "end", "if", "else", "with", "(", ")", "json",
              "join", '"x"', " ", "$", ".", "and", "or", "not", "eq", "lt", "slice", "0", "2",
              "{{-", "-}}", "/*", "*/", "`r`", "'a'", "break", "pad", "split", "title"]
    data = {"A": [1, "x", None, {"k": 1.5}], "B": {"C": "s"}}
    rng = random.Random(16)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for strict in (False, True):
            try:
                Template(text, missing_key_error=strict).execute(data)
            except TemplateError:
                pass
