/**
 * What a test file must undo (processes, databases, temporary directories), undone last first. Every
 * step runs even when an earlier one fails, so one stuck process never leaves a database behind.
 */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `cleanup: ${errors.length} step(s) failed`);
  }
}
