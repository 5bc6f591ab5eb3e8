// JUnit XML for CI: one <testsuite> per property, one passing <testcase> for
// the campaign's runs and one failing <testcase> per counterexample.
import { writeFileAtomic } from '../util/fs.js';

export interface JunitCase {
  name: string;
  classname: string;
  timeSec: number;
  failure?: { message: string; text: string };
  skipped?: string;
}

export interface JunitSuite {
  name: string;
  timeSec: number;
  cases: JunitCase[];
  properties?: Record<string, string>;
}

export function xmlEscape(s: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function junitXml(suites: JunitSuite[], name = 'verihist fuzz'): string {
  const count = (f: (c: JunitCase) => boolean): number => suites.reduce((n, s) => n + s.cases.filter(f).length, 0);
  const tests = count(() => true);
  const failures = count((c) => c.failure !== undefined);
  const skipped = count((c) => c.skipped !== undefined);
  const time = suites.reduce((t, s) => t + s.timeSec, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(name)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">`];
  for (const s of suites) {
    const f = s.cases.filter((c) => c.failure).length;
    const sk = s.cases.filter((c) => c.skipped !== undefined).length;
    out.push(`  <testsuite name="${xmlEscape(s.name)}" tests="${s.cases.length}" failures="${f}" errors="0" skipped="${sk}" time="${s.timeSec.toFixed(3)}">`);
    if (s.properties && Object.keys(s.properties).length) {
      out.push('    <properties>');
      for (const [k, v] of Object.entries(s.properties)) out.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
      out.push('    </properties>');
    }
    for (const c of s.cases) {
      const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="${c.timeSec.toFixed(3)}"`;
      if (c.failure) {
        out.push(`${open}>`, `      <failure message="${xmlEscape(c.failure.message)}" type="PropertyFailure">${xmlEscape(c.failure.text)}</failure>`, '    </testcase>');
      } else if (c.skipped !== undefined) {
        out.push(`${open}>`, `      <skipped message="${xmlEscape(c.skipped)}"/>`, '    </testcase>');
      } else {
        out.push(`${open}/>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

export function writeJunit(file: string, suites: JunitSuite[], name?: string): void {
  writeFileAtomic(file, junitXml(suites, name));
}
