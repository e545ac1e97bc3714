// Spectral ruleset for specs/*.yaml, run by scripts/lint-specs.mjs (errors fail, warnings are
// reported). Both built-in rulesets apply; each picks the documents of its own format.
import rulesets from "@stoplight/spectral-rulesets";

const { oas, asyncapi } = rulesets;

export default {
  extends: [oas, asyncapi],
  rules: {
    // We pin AsyncAPI 2.1.0 on purpose: swaggest/go-asyncapi (our Go parser) models 2.x
    // only, and only its 2.1.0 types parse message unions (see README).
    "asyncapi-latest-version": "off",
  },
  overrides: [
    {
      // Seed 002 names its WebSocket path '/ws/' with the slash, and '/ws' is a different API
      // (seed 004) on the same server, so this one channel must keep it. Paths are relative
      // to this file.
      files: ["../../specs/petchat.asyncapi.yaml#/channels/~1ws~1"],
      rules: { "asyncapi-channel-no-trailing-slash": "off" },
    },
  ],
};
