// Lint: typescript-eslint's recommended rules for all TypeScript in the project.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'notebooks/**', 'runs/**', 'dataset/**', '.cache/**', 'models/**', 'bin/**', '**/*.cjs', 'eslint.config.mjs', 'dist/**', 'docs/api/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed arguments and variables are deliberately unused (interface shapes, destructuring)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // files and functions small enough to read whole (blank lines and comments not counted)
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
);
