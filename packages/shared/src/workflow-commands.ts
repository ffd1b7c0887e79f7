/**
 * The workflow commands a run writes before its main part loads (reading inputs, failing the step),
 * written by @actions/core's own issueCommand but without core's index: that also loads its OIDC
 * client (undici) and @actions/exec, which cost a run refused for a bad input about as much as ssh2.
 * Each function does what the core function of the same name does.
 */
import { issueCommand } from '@actions/core/lib/command';

/** The input's value, trimmed; '' when the runner did not set it. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

const masked = new Set<string>();

export function setSecret(secret: string): void {
  masked.add(secret);
  issueCommand('add-mask', {}, secret);
}

/** Every value masked so far: text the runner does not mask for us (the job summary) is masked with it. */
export function maskedValues(): ReadonlySet<string> {
  return masked;
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function warning(message: string): void {
  issueCommand('warning', {}, message);
}

export function error(message: string): void {
  issueCommand('error', {}, message);
}

/** Fails the step: exit code 1 and an ::error line. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}
