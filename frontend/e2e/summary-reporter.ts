// The last lines of a CI log are often all that is kept: after the list reporter's long
// output (call logs, attachments), say once more, briefly, which test failed or was flaky
// and why, in a few lines at the very end.
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

const WIDTH = 300;

function firstLines(text: string | undefined, count: number): string {
  // eslint-disable-next-line no-control-regex
  const plain = (text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, count)
    .map((line) => `    ${line.slice(0, WIDTH)}`)
    .join('\n');
}

export default class SummaryReporter implements Reporter {
  private readonly notes: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed' || result.status === 'skipped') {
      if (result.retry > 0) this.notes.push(`FLAKY (passed on retry ${result.retry}): ${test.title}`);
      return;
    }
    const where = `${test.location.file.split('/').pop()}:${test.location.line}`;
    const error = result.errors[0];
    const at = error?.location ? ` (at line ${error.location.line})` : '';
    const attempt = result.retry > 0 ? ` [retry ${result.retry}]` : '';
    this.notes.push(`${result.status.toUpperCase()}${attempt} ${where} ${test.title}${at}\n${firstLines(error?.message, 4)}`);
  }

  onEnd(result: FullResult): void {
    if (this.notes.length === 0) return;
    console.log(`\ne2e summary (${result.status}):\n${this.notes.join('\n')}`);
  }
}
