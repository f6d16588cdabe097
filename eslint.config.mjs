// ESLint, as a new VS Code extension is set up (typescript-eslint's recommended
// rules), over the TypeScript of the extension, the webviews, the tests and the
// benchmarks. Formatting is Prettier's job (.prettierrc.json), checked apart.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'agent/**', 'examples/**', 'test-output/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The scripts and the stand-in debug adapter run on Node, as plain JavaScript.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'Buffer',
          'URL',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'require',
          'exports',
          'module',
          '__dirname',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Unused parameters named _x are deliberate (callbacks with a fixed shape).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `void promise` marks a promise deliberately not awaited.
      'no-void': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
    },
  },
);
