// ESLint for kvmxml's own code (`npm run lint:code`, run by `npm test` before the suite).
// TypeScript is linted with type information (typescript-eslint's project service reads
// tsconfig.json), so the rules that need types, such as no-floating-promises, see real types.
// The JavaScript files (bin/, scripts/*.mjs, this file) are linted without types.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// A name that starts with `_` is unused on purpose (a parameter a callback must accept).
const UNUSED = ['error', {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
}];
// `x == null` is the one loose comparison kept: null or undefined.
const EQEQEQ = ['error', 'always', { null: 'ignore' }];

export default defineConfig(
  {
    // Built output, generated code and test inputs: not the project's source.
    ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'src/generated/*.js', '.kvmxml-cache/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // bin/ is CommonJS (bin/package.json), for a faster start.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection: kvmxml would exit 0 past a failure.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise as a condition or spread. Passing an async callback where void is expected
      // (checksVoidReturn) is left out: it doubles the lint's time and found nothing here.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': UNUSED,
      eqeqeq: EQEQEQ,
    },
  },
  {
    // Tests damage parsed JSON and reach into untyped output on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      'no-unused-vars': UNUSED,
      eqeqeq: EQEQEQ,
    },
  },
);
