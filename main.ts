import { App } from 'cdktf';
import { ConfigError, loadEnvironments } from './config';
import { buildApp } from './stacks/app';

/**
 * cdktf entry point (`cdktf synth|diff|deploy` run this through cdktf.json). ENVIRONMENTS=dev,prod limits the
 * environments; by default every file in config/environments is synthesized.
 */
function main(): void {
  const names = process.env.ENVIRONMENTS?.split(',').map((s) => s.trim()).filter(Boolean);
  let environments;
  try {
    environments = loadEnvironments(names);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = new App();
  buildApp(app, environments);
  app.synth();
}

main();
