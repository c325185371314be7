#!/usr/bin/env python3
"""Helpers for the tests/integration/test_deploy_*.sh scripts (python3 stdlib only).

The stdlib has no YAML parser, so this file carries a small one for the block-style subset
the files under deploy/ are written in: block mappings and sequences, plain, single- and
double-quoted scalars, block scalars (| |- > >-), flow sequences of scalars, comments.
Anything outside that subset raises an error instead of being misread.

Subcommands (all print to stdout, exit non-zero with a message on error):
  rules-json RULES.yml          the rules as JSON: [{group, kind, name, expr, for, labels, annotations}]
  mutate RULES.yml ALERT EXPR   the rules file with ALERT's expr replaced by EXPR
  loosen RULES.yml ALERT        ALERT's expr without its final top-level comparison
  dashboard-exprs DASH.json     one JSON object per line: {panel, refId, expr} (vars substituted)
  check-dashboard DASH.json     structural checks of the Grafana dashboard
  metric-names RULES.yml DASH.json
                                metric names the rules and dashboard read (recording-rule
                                outputs and Prometheus' own series such as `up` excluded)
  missing-metrics SCRAPE.txt NAME...
                                the NAMEs absent from a text-format scrape: neither sampled
                                nor declared by # TYPE (histograms count via _bucket/_sum/_count)
  all-queries RULES.yml DASH.json
                                one JSON object per line: {what, expr} for every dashboard
                                target, every recording rule (its expression and its output
                                series) and every alert (its expression without the final
                                comparison, so it must return the series it compares)
  check-queries PROM_URL RULES.yml DASH.json
                                runs every all-queries expression against Prometheus' HTTP API;
                                prints the series count of each, exits 1 if any returned none
  check-collector COLLECTOR.yaml
                                structural checks of the OpenTelemetry Collector gateway config:
                                every component a pipeline names is defined, the traces
                                pipeline takes OTLP/HTTP and exports to Langfuse (otlphttp to
                                .../api/public/otel, Basic auth, ingestion version 4) and to
                                at least one more backend
  fake-judge PORT               serves an OpenAI-compatible LLM judge on 127.0.0.1:PORT:
                                accuracy 0.9 (0.2 for answers containing BAD), faithfulness 0.8
"""
import json
import os
import re
import sys


class YamlError(Exception):
    pass


# ----------------------------------------------------------------------------- mini YAML

def _strip_comment(s):
    """Remove a trailing ' #...' comment outside quotes."""
    out, q = [], None
    i = 0
    while i < len(s):
        c = s[i]
        if q:
            out.append(c)
            if q == '"' and c == '\\' and i + 1 < len(s):
                out.append(s[i + 1])
                i += 2
                continue
            if c == q:
                if q == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                q = None
        else:
            if c in '"\'' and (not out or out[-1] in ' [,{:-'):
                q = c
            elif c == '#' and (not out or out[-1] in ' \t'):
                break
            out.append(c)
        i += 1
    return ''.join(out).rstrip()


_DQ_ESC = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', '/': '/', '0': '\0', 'r': '\r'}


def _scalar(tok, lineno):
    tok = tok.strip()
    if tok == '':
        return None
    if tok[0] == '"':
        if len(tok) < 2 or tok[-1] != '"':
            raise YamlError('line %d: unterminated double-quoted scalar' % lineno)
        body, out, i = tok[1:-1], [], 0
        while i < len(body):
            if body[i] == '\\':
                if i + 1 >= len(body) or body[i + 1] not in _DQ_ESC:
                    raise YamlError('line %d: unsupported escape' % lineno)
                out.append(_DQ_ESC[body[i + 1]])
                i += 2
            else:
                out.append(body[i])
                i += 1
        return ''.join(out)
    if tok[0] == "'":
        if len(tok) < 2 or tok[-1] != "'":
            raise YamlError('line %d: unterminated single-quoted scalar' % lineno)
        return tok[1:-1].replace("''", "'")
    if tok[0] == '[':
        if tok[-1] != ']':
            raise YamlError('line %d: multi-line flow sequence not supported' % lineno)
        inner = tok[1:-1].strip()
        return [] if not inner else [_scalar(p, lineno) for p in _split_flow(inner)]
    if tok[0] in '{&*!|>%@`':
        raise YamlError('line %d: unsupported YAML construct %r' % (lineno, tok[:10]))
    return tok  # plain scalar: kept as a string (callers only need strings)


def _split_flow(s):
    parts, cur, q = [], [], None
    for c in s:
        if q:
            cur.append(c)
            if c == q:
                q = None
        elif c in '"\'':
            q = c
            cur.append(c)
        elif c == ',':
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append(''.join(cur))
    return parts


_KEY = re.compile(r'''^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"#\-\[{][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+(.*))?$''')


class _Lines:
    def __init__(self, text):
        self.raw = text.split('\n')
        self.i = 0

    def peek(self):
        """(indent, content, lineno) of the next meaningful line, or None."""
        while self.i < len(self.raw):
            line = self.raw[self.i]
            if '\t' in line[:len(line) - len(line.lstrip())]:
                raise YamlError('line %d: tab indentation' % (self.i + 1))
            content = _strip_comment(line.strip()) if not line.strip().startswith('#') else ''
            if content == '' or content == '---':
                self.i += 1
                continue
            return len(line) - len(line.lstrip(' ')), content, self.i + 1
        return None


def _block_scalar(lines, header, parent_indent, lineno):
    style, chomp = header[0], header[1:]
    if chomp not in ('', '-', '+'):
        raise YamlError('line %d: unsupported block scalar header %r' % (lineno, header))
    body, indent = [], None
    while lines.i < len(lines.raw):
        line = lines.raw[lines.i]
        if line.strip() == '':
            body.append('')
            lines.i += 1
            continue
        ind = len(line) - len(line.lstrip(' '))
        if indent is None:
            if ind <= parent_indent:
                break
            indent = ind
        if ind < indent:
            break
        body.append(line[indent:])
        lines.i += 1
    while body and body[-1] == '':
        body.pop()
    if style == '|':
        text = '\n'.join(body)
    else:  # folded: single newlines become spaces, blank lines stay newlines
        text, prev_blank = '', True
        for b in body:
            if b == '':
                text += '\n'
                prev_blank = True
            else:
                text += ('' if prev_blank else ' ') + b
                prev_blank = False
    if chomp != '-' and body:
        text += '\n'
    return text


def _parse_value(lines, rest, indent, lineno):
    """The value after 'key:' or '- ' whose own line had `indent`."""
    rest = rest.strip() if rest else ''
    if rest[:1] in ('|', '>'):
        lines.i += 1
        return _block_scalar(lines, rest, indent, lineno)
    lines.i += 1
    if rest:
        return _scalar(rest, lineno)
    nxt = lines.peek()
    if nxt is None or nxt[0] < indent or (nxt[0] == indent and not nxt[1].startswith('- ')):
        return None
    if nxt[0] == indent and nxt[1].startswith('- '):
        return _parse_seq(lines, indent)  # "key:\n- a" at the same indent
    return _parse_node(lines, nxt[0])


def _parse_map(lines, indent, first=None):
    out = {}
    while True:
        if first is not None:
            content, lineno = first
            first = None
        else:
            nxt = lines.peek()
            if nxt is None or nxt[0] < indent:
                return out
            if nxt[0] > indent:
                raise YamlError('line %d: unexpected indentation' % nxt[2])
            _, content, lineno = nxt
            if content.startswith('- '):
                return out
        m = _KEY.match(content)
        if not m:
            raise YamlError('line %d: expected "key: value", got %r' % (lineno, content))
        key = _scalar(m.group(1), lineno)
        if key in out:
            raise YamlError('line %d: duplicate key %r' % (lineno, key))
        out[key] = _parse_value(lines, m.group(2), indent, lineno)


def _parse_seq(lines, indent):
    out = []
    while True:
        nxt = lines.peek()
        if nxt is None or nxt[0] < indent:
            return out
        ind, content, lineno = nxt
        if ind > indent or not (content.startswith('- ') or content == '-'):
            if ind == indent:
                return out
            raise YamlError('line %d: unexpected indentation in sequence' % lineno)
        item = content[2:].strip() if content != '-' else ''
        child_indent = ind + 2
        if item == '':
            lines.i += 1
            out.append(_parse_node(lines, lines.peek()[0]) if lines.peek() and lines.peek()[0] > ind else None)
        elif _KEY.match(item):
            # "- key: value" opens a mapping whose keys sit at child_indent
            out.append(_parse_map(lines, child_indent, first=(item, lineno)))
        elif item[:1] in ('|', '>'):
            lines.i += 1
            out.append(_block_scalar(lines, item, ind, lineno))
        else:
            lines.i += 1
            out.append(_scalar(item, lineno))


def _parse_node(lines, indent):
    nxt = lines.peek()
    if nxt is None:
        return None
    if nxt[1].startswith('- ') or nxt[1] == '-':
        return _parse_seq(lines, nxt[0])
    return _parse_map(lines, nxt[0])


def load_yaml(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    lines = _Lines(text)
    doc = _parse_node(lines, 0)
    if lines.peek() is not None:
        raise YamlError('%s line %d: trailing content not parsed' % (path, lines.peek()[2]))
    return doc


# ----------------------------------------------------------------------------- rules

def load_rules(path):
    doc = load_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get('groups'), list):
        raise YamlError('%s: no "groups" list' % path)
    rules = []
    for g in doc['groups']:
        for r in g.get('rules') or []:
            kind = 'alert' if 'alert' in r else 'record'
            rules.append({'group': g['name'], 'kind': kind, 'name': r[kind],
                          'expr': r['expr'], 'for': r.get('for'),
                          'labels': r.get('labels') or {},
                          'annotations': r.get('annotations') or {}})
    return rules


def mutate(path, alert, new_expr):
    """Text of the rules file with one alert's expr replaced (layout preserved)."""
    lines = open(path, encoding='utf-8').read().split('\n')
    start = None
    for i, line in enumerate(lines):
        if re.match(r'^\s*-\s+alert:\s*%s\s*$' % re.escape(alert), line):
            start = i
            break
    if start is None:
        raise YamlError('alert %s not found' % alert)
    item_indent = len(lines[start]) - len(lines[start].lstrip())
    for j in range(start + 1, len(lines)):
        ind = len(lines[j]) - len(lines[j].lstrip())
        if lines[j].strip() and ind <= item_indent:
            break
        m = re.match(r'^(\s*)expr:\s*(.*)$', lines[j])
        if m:
            end = j + 1
            if m.group(2).strip()[:1] in ('|', '>'):
                while end < len(lines) and (not lines[end].strip() or
                                            len(lines[end]) - len(lines[end].lstrip()) > len(m.group(1))):
                    end += 1
            lines[j:end] = ['%sexpr: %s' % (m.group(1), json.dumps(new_expr))]
            return '\n'.join(lines)
    raise YamlError('alert %s has no expr' % alert)


def loosen(expr):
    """The left operand of the last top-level comparison of expr (the threshold removed)."""
    depth, last, i = 0, None, 0
    s = re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: '_' * len(m.group(0)), expr)
    while i < len(s):
        c = s[i]
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        elif depth == 0 and c in '<>=!':
            two = s[i:i + 2]
            if two in ('>=', '<=', '==', '!='):
                last = i
                i += 2
                continue
            if c in '<>':
                last = i
        i += 1
    if last is None:
        raise ValueError('no top-level comparison in %r' % expr)
    return expr[:last].strip()


# ----------------------------------------------------------------------------- PromQL names

_PROMQL_KEYWORDS = {
    'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool',
    'and', 'or', 'unless', 'inf', 'nan', 'atan2',
}
# Series Prometheus itself creates for every target; the application does not expose them.
_PROMETHEUS_SYNTHETIC = {'up', 'scrape_duration_seconds', 'scrape_samples_scraped',
                         'scrape_samples_post_metric_relabeling', 'scrape_series_added'}


def promql_metric_names(expr):
    """Metric names selected by a PromQL expression (lexical, conservative)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)  # strings
    s = re.sub(r'#[^\n]*', '', s)                                             # comments
    names = set()
    # {__name__="x"} style selectors are not used in deploy/; refuse rather than miss them.
    if '__name__' in s:
        raise ValueError('__name__ matchers are not supported by this extractor: %s' % expr)
    s = re.sub(r'\{[^{}]*\}', ' ', s)                           # label matchers
    s = re.sub(r'\[[^\[\]]*\]', ' ', s)                         # ranges and subqueries
    s = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)', r' ', s)
    for m in re.finditer(r'(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)', s):
        word = m.group(1)
        after = s[m.end():].lstrip()
        if after.startswith('('):
            continue                                            # function call
        if word.lower() in _PROMQL_KEYWORDS:
            continue
        names.add(word)
    return names


# ----------------------------------------------------------------------------- Grafana

_GRAFANA_VARS = [
    (re.compile(r'\$__rate_interval|\$\{__rate_interval\}'), '5m'),
    (re.compile(r'\$__interval|\$\{__interval\}'), '1m'),
    (re.compile(r'\$__range|\$\{__range\}'), '1d'),
]


def _panels(dash):
    for p in dash.get('panels', []):
        yield p
        for sub in p.get('panels', []) or []:   # collapsed rows keep their panels inside
            yield sub


def dashboard_exprs(path):
    dash = json.load(open(path, encoding='utf-8'))
    var_names = [v['name'] for v in dash.get('templating', {}).get('list', [])]
    out = []
    for p in _panels(dash):
        for t in p.get('targets', []) or []:
            if 'expr' not in t:
                continue
            e = t['expr']
            for rx, rep in _GRAFANA_VARS:
                e = rx.sub(rep, e)
            for v in var_names:   # label-value variables are used as =~"$var" regexes
                e = e.replace('${%s}' % v, '.*').replace('$' + v, '.*')
            if '$' in e:
                raise ValueError('panel %r: unknown variable left in %r' % (p.get('title'), e))
            out.append({'panel': p.get('title'), 'refId': t.get('refId'), 'expr': e})
    return out


def check_dashboard(path):
    """Return a list of problems (empty if the dashboard is fine)."""
    errs = []
    try:
        dash = json.load(open(path, encoding='utf-8'))
    except ValueError as e:
        return ['not valid JSON: %s' % e]
    if not isinstance(dash.get('schemaVersion'), int) or dash['schemaVersion'] < 30:
        errs.append('schemaVersion missing or older than 30: %r' % dash.get('schemaVersion'))
    for key in ('title', 'uid', 'panels', 'templating'):
        if key not in dash:
            errs.append('missing top-level key %r' % key)
    ds_vars = [v for v in dash.get('templating', {}).get('list', [])
               if v.get('type') == 'datasource' and v.get('query') == 'prometheus']
    if len(ds_vars) != 1 or ds_vars[0].get('name') != 'datasource':
        errs.append('need exactly one templating variable "datasource" of type datasource/prometheus')
    want_ds = '${datasource}'
    ids, n_queries = set(), 0
    for p in _panels(dash):
        title = p.get('title', '<untitled>')
        if p.get('id') in ids:
            errs.append('panel %r: duplicate id %r' % (title, p.get('id')))
        ids.add(p.get('id'))
        gp = p.get('gridPos')
        if not (isinstance(gp, dict) and all(isinstance(gp.get(k), int) for k in 'hwxy')):
            errs.append('panel %r: gridPos with integer h, w, x, y missing' % title)
        elif gp['x'] + gp['w'] > 24:
            errs.append('panel %r: gridPos exceeds the 24-column grid' % title)
        if p.get('type') == 'row':
            if p.get('targets'):
                errs.append('row %r has targets' % title)
            continue
        ds = p.get('datasource')
        if not (isinstance(ds, dict) and ds.get('uid') == want_ds):
            errs.append('panel %r: datasource is not the %s variable: %r' % (title, want_ds, ds))
        targets = p.get('targets')
        if not targets:
            errs.append('panel %r: no targets' % title)
            continue
        for t in targets:
            if not isinstance(t.get('expr'), str) or not t['expr'].strip():
                errs.append('panel %r: target %r without a PromQL expr' % (title, t.get('refId')))
            tds = t.get('datasource')
            if tds is not None and not (isinstance(tds, dict) and tds.get('uid') == want_ds):
                errs.append('panel %r: target %r datasource is not %s' % (title, t.get('refId'), want_ds))
            n_queries += 1
    if n_queries == 0:
        errs.append('dashboard has no queries')
    return errs


# ----------------------------------------------------------------------------- scrape

def scrape_names(text):
    """(names with samples, names declared by # TYPE) of a text-format scrape.

    Declared names are expanded to the sample names the type implies: a histogram X
    declares X_bucket, X_sum and X_count; a counter declared without _total (OpenMetrics
    style) declares X_total.
    """
    samples, declared = set(), set()
    for line in text.splitlines():
        if line.startswith('#'):
            m = re.match(r'#\s+TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)', line)
            if m:
                name, typ = m.groups()
                declared.add(name)
                if typ in ('histogram', 'gaugehistogram'):
                    declared |= {name + '_bucket', name + '_sum', name + '_count'}
                elif typ == 'summary':
                    declared |= {name + '_sum', name + '_count'}
                elif typ == 'counter' and not name.endswith('_total'):
                    declared.add(name + '_total')
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)', line)
        if m:
            samples.add(m.group(1))
    return samples, declared


def present(name, names):
    if name in names:
        return True
    # A histogram (or summary) base name counts via its series.
    return any(name + suf in names for suf in ('_bucket', '_sum', '_count'))


def metric_names(rules_path, dash_path):
    rules = load_rules(rules_path)
    recorded = {r['name'] for r in rules if r['kind'] == 'record'}
    used = set()
    for r in rules:
        used |= promql_metric_names(r['expr'])
    for d in dashboard_exprs(dash_path):
        used |= promql_metric_names(d['expr'])
    dash = json.load(open(dash_path, encoding='utf-8'))
    for v in dash.get('templating', {}).get('list', []):
        q = v.get('query')
        q = q.get('query', '') if isinstance(q, dict) else (q or '')
        m = re.match(r'\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$', q)
        if v.get('type') == 'query' and m:
            used |= promql_metric_names(m.group(1))
        elif v.get('type') == 'query':
            raise ValueError('variable %r: query %r is not label_values(...)' % (v.get('name'), q))
    return sorted(n for n in used if n not in recorded and n not in _PROMETHEUS_SYNTHETIC)


def all_queries(rules_path, dash_path):
    out = [{'what': 'panel %r %s' % (d['panel'], d['refId']), 'expr': d['expr']}
           for d in dashboard_exprs(dash_path)]
    for r in load_rules(rules_path):
        if r['kind'] == 'record':
            out.append({'what': 'recording rule %s (expr)' % r['name'], 'expr': r['expr']})
            out.append({'what': 'recording rule %s (series)' % r['name'], 'expr': r['name']})
        else:
            out.append({'what': 'alert %s' % r['name'], 'expr': loosen(r['expr'])})
    return out


def check_queries(prom, rules_path, dash_path, wait_s=20):
    """Every panel query and rule expression must return a series. A recording rule's series
    appears at its group's first evaluation after its expression has data (rate() needs two
    scrapes), so queries still empty are asked again, once a second, for up to wait_s."""
    import time
    import urllib.parse
    import urllib.request

    def series(q):
        url = prom.rstrip('/') + '/api/v1/query?' + urllib.parse.urlencode({'query': q['expr']})
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        if body.get('status') != 'success':
            raise ValueError('%s: %s' % (q['what'], body))
        return body['data']['result']

    empty = []
    for q in all_queries(rules_path, dash_path):
        result = series(q)
        print('%3d series  %s' % (len(result), q['what']))
        if os.environ.get('DEPLOY_TOOLS_VERBOSE'):
            for r in result:
                print('            %s' % r['metric'])
        if not result:
            empty.append(q)
    deadline = time.monotonic() + wait_s
    while empty and time.monotonic() < deadline:
        time.sleep(1)
        empty = [q for q in empty if not series(q)]
    for q in empty:
        print('NO DATA after %d s: %s: %s' % (wait_s, q['what'], ' '.join(q['expr'].split())))
    return 1 if empty else 0


def check_collector(path):
    c = load_yaml(path)
    errs = []
    svc = c.get('service') or {}
    for ext in svc.get('extensions') or []:
        if ext not in (c.get('extensions') or {}):
            errs.append('service extension %s is not defined' % ext)
    pipes = svc.get('pipelines') or {}
    for pname, pipe in pipes.items():
        for section in ('receivers', 'processors', 'exporters'):
            for comp in pipe.get(section) or []:
                if comp not in (c.get(section) or {}):
                    errs.append('pipeline %s: %s %s is not defined' % (pname, section[:-1], comp))
    traces = pipes.get('traces')
    if not traces:
        return errs + ['no traces pipeline']
    http = [r for r in traces.get('receivers') or []
            if r.split('/')[0] == 'otlp' and 'http' in ((c['receivers'].get(r) or {}).get('protocols') or {})]
    if not http:
        errs.append('the traces pipeline has no OTLP/HTTP receiver (llmobs sends OTLP/HTTP)')
    exporters = traces.get('exporters') or []
    langfuse = []
    for e in exporters:
        cfg = (c.get('exporters') or {}).get(e) or {}
        if e.split('/')[0] == 'otlphttp' and str(cfg.get('endpoint', '')).endswith('/api/public/otel'):
            langfuse.append(e)
            h = cfg.get('headers') or {}
            if not str(h.get('Authorization', '')).startswith('Basic '):
                errs.append('%s: no Authorization: Basic header' % e)
            if str(h.get('x-langfuse-ingestion-version', '')) != '4':
                errs.append('%s: x-langfuse-ingestion-version is not 4' % e)
    if len(langfuse) != 1:
        errs.append('the traces pipeline must export to Langfuse once (otlphttp to .../api/public/otel), found %s' % langfuse)
    if len(exporters) < 2:
        errs.append('the traces pipeline exports to %d backend(s); the example needs a second one' % len(exporters))
    if 'memory_limiter' in (traces.get('processors') or []) and (traces.get('processors') or [])[0] != 'memory_limiter':
        errs.append('memory_limiter must be the first processor')
    return errs


def fake_judge(port):
    import http.server

    class Judge(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
            if 'unsupported_claims' in body:
                verdict = {'faithfulness': 0.8, 'unsupported_claims': []}
            else:
                verdict = {'score': 0.2 if 'BAD' in body else 0.9, 'reasoning': 'fake judge'}
            reply = json.dumps({'choices': [{'message': {'content': json.dumps(verdict)}}],
                                'usage': {'prompt_tokens': 10, 'completion_tokens': 5}})
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *a):
            pass

    http.server.HTTPServer(('127.0.0.1', int(port)), Judge).serve_forever()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == 'rules-json':
        print(json.dumps(load_rules(args[0]), indent=1))
    elif cmd == 'mutate':
        sys.stdout.write(mutate(args[0], args[1], args[2]))
    elif cmd == 'loosen':
        rule = [r for r in load_rules(args[0]) if r['name'] == args[1]]
        if len(rule) != 1:
            raise ValueError('alert %s not found exactly once' % args[1])
        print(loosen(rule[0]['expr']))
    elif cmd == 'dashboard-exprs':
        for d in dashboard_exprs(args[0]):
            print(json.dumps(d))
    elif cmd == 'check-dashboard':
        errs = check_dashboard(args[0])
        for e in errs:
            print('dashboard: ' + e)
        return 1 if errs else 0
    elif cmd == 'metric-names':
        print('\n'.join(metric_names(args[0], args[1])))
    elif cmd == 'all-queries':
        for q in all_queries(args[0], args[1]):
            print(json.dumps(q))
    elif cmd == 'check-queries':
        return check_queries(args[0], args[1], args[2])
    elif cmd == 'check-collector':
        errs = check_collector(args[0])
        for e in errs:
            print('collector: ' + e)
        return 1 if errs else 0
    elif cmd == 'fake-judge':
        fake_judge(args[0])
    elif cmd == 'missing-metrics':
        samples, declared = scrape_names(open(args[0], encoding='utf-8').read())
        missing = [n for n in args[1:] if not present(n, samples | declared)]
        empty = [n for n in args[1:] if n not in missing and not present(n, samples)]
        for n in missing:
            print('%s: not in the scrape' % n)
        for n in empty:
            print('note: %s is declared (# TYPE) but has no samples yet' % n, file=sys.stderr)
        return 1 if missing else 0
    else:
        print('unknown command %r' % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except (YamlError, ValueError, KeyError, OSError) as e:
        print('deploy_tools: %s' % e, file=sys.stderr)
        sys.exit(2)
