/**
 * PEP 691 content negotiation for the simple API: JSON, HTML under its v1 media type, or
 * `text/html` for clients from before PEP 691.
 */

export type SimpleForm = 'json' | 'html-v1' | 'text-html';

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';

interface Offer {
  form: SimpleForm;
  /** Exact media types that ask for this form (`latest` is v1 today). */
  types: readonly string[];
}

/** Ties go to the earlier offer: HTML first, as PyPI does, since a tie means the client does not mind. */
const OFFERS: readonly Offer[] = [
  { form: 'text-html', types: ['text/html'] },
  { form: 'html-v1', types: [SIMPLE_HTML, 'application/vnd.pypi.simple.latest+html'] },
  { form: 'json', types: [SIMPLE_JSON, 'application/vnd.pypi.simple.latest+json'] },
];

interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').flatMap((item) => {
    const [rawType = '', ...params] = item.split(';');
    const type = rawType.trim().toLowerCase();
    if (!/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) return [];
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((part) => part.trim());
      if (key.toLowerCase() !== 'q') continue;
      // RFC 9110 qvalue; a malformed one makes the entry unusable rather than silently 1.
      q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0;
      break;
    }
    return [{ type, q }];
  });
}

/** The q of the most specific ranges that match `offer` (exact, then `type/*`, then `*\/*`). */
function quality(offer: Offer, ranges: MediaRange[]): number {
  const best = (matching: MediaRange[]): number | undefined => (matching.length === 0 ? undefined : Math.max(...matching.map((range) => range.q)));
  const majors = new Set(offer.types.map((type) => `${type.slice(0, type.indexOf('/'))}/*`));
  return (
    best(ranges.filter((range) => offer.types.includes(range.type))) ??
    best(ranges.filter((range) => majors.has(range.type))) ??
    best(ranges.filter((range) => range.type === '*/*')) ??
    0
  );
}

/**
 * The form to answer with, or undefined when the client accepts none of them (406). No header
 * (or an empty one) means `text/html`, what every pre-PEP 691 client expects.
 */
export function negotiate(acceptHeader: string | undefined): SimpleForm | undefined {
  if (acceptHeader === undefined || acceptHeader.trim() === '') return 'text-html';
  const ranges = parseAccept(acceptHeader);
  let chosen: { form: SimpleForm; q: number } | undefined;
  for (const offer of OFFERS) {
    const q = quality(offer, ranges);
    if (q > 0 && (chosen === undefined || q > chosen.q)) chosen = { form: offer.form, q };
  }
  return chosen?.form;
}

/** The Content-Type to send with a form (never `latest`, as PEP 691 requires). */
export function contentTypeFor(form: SimpleForm): string {
  if (form === 'json') return SIMPLE_JSON;
  if (form === 'html-v1') return SIMPLE_HTML;
  return 'text/html; charset=utf-8';
}

/** The serialisation a form uses. */
export function renderFormOf(form: SimpleForm): 'json' | 'html' {
  return form === 'json' ? 'json' : 'html';
}
