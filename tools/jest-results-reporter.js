// Writes each project's totals to tmp/test-results/<project>.json so one
// closing line can count the whole run (tools/test-summary.js), and keeps the
// titles of skipped suites, which carry the reason they were skipped, and how
// long the project and each of its spec files took, so the suite's time can be watched.
const fs = require('node:fs');
const path = require('node:path');

class JestResultsReporter {
  constructor(_globalConfig, options) {
    this.name = options.name;
  }

  onRunComplete(_contexts, results) {
    const skippedSuites = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
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
        seconds: (Date.now() - results.startTime) / 1000,
        files: results.testResults.map((file) => ({
          path: path.relative(path.join(__dirname, '..'), file.testFilePath),
          seconds: (file.perfStats.end - file.perfStats.start) / 1000,
        })),
      }),
    );
  }
}

module.exports = JestResultsReporter;
