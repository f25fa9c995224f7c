// ESLint for the pages' own scripts (web/static/js); vendored libraries are not ours to lint.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["web/static/vendor/**", "node_modules/**", ".venv/**", "tests/web/vendor/**"] },
  {
    files: ["web/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
    },
  },
];
