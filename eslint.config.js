// ESLint flat config: typescript-eslint's type-aware recommended set on every TypeScript file (sources, bench,
// tests, vitest configs), plain recommended rules on the few JavaScript files. Formatting is Prettier's job
// (`prettier --check` in `npm run lint`), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeGlobals = { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' };

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', 'data/', 'demo-data/'] },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // The explorer's front end (ui/assets/): plain ES modules run by the browser, shipped as they are.
    files: ['ui/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'history',
          'navigator',
          'fetch',
          'EventSource',
          'URLSearchParams',
          'URL',
          'performance',
          'setTimeout',
          'Node',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // tsconfig.test.json covers every TypeScript file (sources, bench, tests, vitest configs).
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: every one awaited, returned, or handed to something that handles its rejection.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // An async function with no await is how the code implements a Promise-returning contract (the command
      // table, kafkajs callbacks, fakes of a client): it turns a throw into a rejection, which is the point.
      '@typescript-eslint/require-await': 'off',
      // A case holding only a comment (why these codes share an exit code) is still an empty case.
      'no-fallthrough': ['error', { allowEmptyCase: true }],
    },
  },
  {
    // Tests read untyped JSON (Elasticsearch responses, decoded Kafka records, parsed log lines) and assert on
    // it with expect: typing every response would repeat what the assertions already check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
