/**
 * A tiny evaluator for the Terraform expressions the cluster stack puts into custom_data: template strings with
 * interpolations, function calls (base64encode, join), lists, string literals and references. References are
 * replaced by the caller's placeholder values, so a test can decode exactly what a VM would receive.
 */
type Resolve = (reference: string) => string;

const FUNCTIONS: Record<string, (...args: any[]) => any> = {
  base64encode: (s: string) => Buffer.from(s, 'utf8').toString('base64'),
  join: (sep: string, list: string[]) => list.join(sep),
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

class Parser {
  private i = 0;
  constructor(private readonly s: string, private readonly resolve: Resolve) {}

  /** A template body up to `end` (a closing quote, or the end of input for a top-level JSON string). */
  template(end: '"' | 'eof'): string {
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) {
        if (end === 'eof') return out;
        throw new Error('unterminated string');
      }
      const c = this.s[this.i];
      if (end === '"' && c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const e = this.s[this.i + 1];
        if (!(e in ESCAPES)) throw new Error(`unknown escape \\${e} at ${this.i}`);
        out += ESCAPES[e];
        this.i += 2;
      } else if (this.s.startsWith('$${', this.i)) {
        out += '${';
        this.i += 3;
      } else if (this.s.startsWith('${', this.i)) {
        this.i += 2;
        out += String(this.expr());
        this.expect('}');
      } else if (this.s.startsWith('%{', this.i)) {
        throw new Error(`template directive at ${this.i}: not expected in cluster custom_data`);
      } else {
        out += c;
        this.i++;
      }
    }
  }

  private ws() {
    while (/\s/.test(this.s[this.i] ?? '')) this.i++;
  }

  private expect(t: string) {
    this.ws();
    if (!this.s.startsWith(t, this.i)) throw new Error(`expected ${t} at ${this.i}: ${this.s.slice(this.i, this.i + 40)}`);
    this.i += t.length;
  }

  expr(): any {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') {
      this.i++;
      return this.template('"');
    }
    if (c === '[') {
      this.i++;
      const items: any[] = [];
      this.ws();
      while (this.s[this.i] !== ']') {
        items.push(this.expr());
        this.ws();
        if (this.s[this.i] === ',') this.i++;
        this.ws();
      }
      this.i++;
      return items;
    }
    const m = /^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`unexpected ${this.s.slice(this.i, this.i + 20)}`);
    this.i += m[0].length;
    this.ws();
    if (this.s[this.i] === '(') {
      const fn = FUNCTIONS[m[0]];
      if (!fn) throw new Error(`function ${m[0]} not supported`);
      this.i++;
      const args: any[] = [];
      this.ws();
      while (this.s[this.i] !== ')') {
        args.push(this.expr());
        this.ws();
        if (this.s[this.i] === ',') this.i++;
        this.ws();
      }
      this.i++;
      return fn(...args);
    }
    return this.resolve(m[0]);
  }
}

/** Evaluates a Terraform JSON string value (e.g. `${base64encode("...")}`) with references resolved by `resolve`. */
export function evaluateTerraformString(value: string, resolve: Resolve): string {
  return new Parser(value, resolve).template('eof');
}
