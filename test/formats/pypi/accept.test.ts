import t from 'tap';
import { contentTypeFor, negotiate, renderFormOf, type SimpleForm } from '../../../src/formats/pypi/index.js';

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const HTML_V1 = 'application/vnd.pypi.simple.v1+html';

t.test('negotiation table', async (t) => {
  const table: Array<[string | undefined, SimpleForm | undefined, string]> = [
    [undefined, 'text-html', 'no header: what pre-PEP 691 clients expect'],
    ['', 'text-html', 'empty header'],
    [`${JSON_V1}, ${HTML_V1};q=0.1, text/html;q=0.01`, 'json', "pip's header"],
    [`${JSON_V1}, ${HTML_V1};q=0.2, text/html;q=0.01`, 'json', 'the PEP 691 example'],
    ['text/html', 'text-html', 'old pip'],
    [HTML_V1, 'html-v1', 'v1 HTML only'],
    [JSON_V1, 'json', 'v1 JSON only'],
    ['application/vnd.pypi.simple.latest+json', 'json', 'latest means v1'],
    ['application/vnd.pypi.simple.latest+html', 'html-v1', 'latest HTML'],
    [`${JSON_V1};q=0.5, ${HTML_V1};q=0.9`, 'html-v1', 'q-values decide, not order'],
    [`text/html;q=0.2, ${JSON_V1};q=0.3`, 'json', 'q-values decide'],
    [`${JSON_V1}, ${HTML_V1}`, 'html-v1', 'a tie goes to HTML, as PyPI does'],
    ['*/*', 'text-html', 'curl'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text-html', 'a browser'],
    ['application/*', 'html-v1', 'type wildcard: the v1 forms; HTML wins the tie'],
    [`application/*;q=0.5, ${JSON_V1};q=0.6`, 'json', 'exact beats the wildcard at a higher q'],
    ['text/*', 'text-html', 'text wildcard'],
    ['*/*;q=0.1, text/html;q=0', 'html-v1', 'q=0 excludes even when a wildcard would match'],
    [`*/*;q=0.5, ${JSON_V1};q=0`, 'text-html', 'exact q=0 overrides */*'],
    [`${JSON_V1};q=0, ${HTML_V1};q=0, text/html;q=0`, undefined, 'everything excluded: 406'],
    ['application/json', undefined, 'plain JSON is not an offer: 406'],
    ['image/png', undefined, '406'],
    ['text/plain, application/xml', undefined, '406'],
    [`${JSON_V1};q=2`, undefined, 'a q above 1 is malformed: the entry is unusable'],
    [`${JSON_V1};q=abc, text/html;q=0.1`, 'text-html', 'a malformed q does not count as 1'],
    [`${JSON_V1};q=0.1234, text/html;q=0.1`, 'text-html', 'more than 3 decimals is malformed'],
    [`${JSON_V1.toUpperCase()} ; Q=0.9 , text/html ; q=0.8`, 'json', 'case and spaces'],
    [`${JSON_V1}; charset=utf-8; q=0.9, text/html;q=0.8`, 'json', 'other parameters ignored'],
    ['garbage, , ;q=1', undefined, 'nothing parseable: 406'],
    [`garbage, ${JSON_V1}`, 'json', 'bad entries skipped'],
  ];
  for (const [header, form, label] of table) t.equal(negotiate(header), form, `${label}: ${String(header)}`);
});

t.test('each form has its Content-Type and serialisation', async (t) => {
  t.equal(contentTypeFor('json'), JSON_V1);
  t.equal(contentTypeFor('html-v1'), HTML_V1);
  t.equal(contentTypeFor('text-html'), 'text/html; charset=utf-8');
  t.equal(renderFormOf('json'), 'json');
  t.equal(renderFormOf('html-v1'), 'html');
  t.equal(renderFormOf('text-html'), 'html');
});
