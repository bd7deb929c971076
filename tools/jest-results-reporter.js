// Writes each project's totals to tmp/test-results/<project>.json so one
// closing line can count the whole run (tools/test-summary.js), and keeps the
// titles of skipped suites, which carry the reason they were skipped, and how
// long the project and each of its spec files took, so the suite's time can be watched.
// Failed tests are kept by name with the first lines of their failure, so the closing
// summary (the part of a CI log that is always seen) names what failed.
const fs = require('node:fs');
const path = require('node:path');

class JestResultsReporter {
  constructor(_globalConfig, options) {
    this.name = options.name;
  }

  onRunComplete(_contexts, results) {
    const skippedSuites = new Set();
    const failures = [];
    const root = path.join(__dirname, '..');
    for (const file of results.testResults) {
      if (file.testExecError || (file.failureMessage && file.testResults.every((test) => test.status !== 'failed'))) {
        const message = file.testExecError?.message ?? file.failureMessage;
        failures.push({
          path: path.relative(root, file.testFilePath),
          title: '(the file failed outside its tests: at load, in a hook or after them)',
          message: firstLines(message),
        });
      }
      for (const test of file.testResults) {
        if (test.status === 'failed') {
          failures.push({
            path: path.relative(root, file.testFilePath),
            title: [...test.ancestorTitles, test.title].join(' › '),
            message: firstLines(test.failureMessages.join('\n')),
          });
        }
        if (test.status === 'pending' || test.status === 'skipped') {
          const reason = test.ancestorTitles.find((title) => title.includes('skipped:'));
          if (reason) skippedSuites.add(reason);
        }
      }
    }
    const out = path.join(__dirname, '..', 'tmp', 'test-results', `${this.name}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify({
        project: this.name,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        skippedSuites: [...skippedSuites],
        failures,
        seconds: (Date.now() - results.startTime) / 1000,
        files: results.testResults.map((file) => ({
          path: path.relative(root, file.testFilePath),
          seconds: (file.perfStats.end - file.perfStats.start) / 1000,
        })),
      }),
    );
  }
}

/** The first lines of a failure, without colour codes or the stack. */
function firstLines(message) {
  return String(message ?? '')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line))
    .slice(0, 8)
    .join('\n');
}

module.exports = JestResultsReporter;
