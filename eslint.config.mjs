// Lint: typescript-eslint's recommended rules for all TypeScript in the project.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'notebooks/**', 'runs/**', 'dataset/**', '.cache/**', 'models/**', 'bin/**', '**/*.cjs', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed arguments and variables are deliberately unused (interface shapes, destructuring)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
