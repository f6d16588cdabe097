/**
 * At most one draw per animation frame, and none while the webview is
 * hidden: samples arriving then are stored, and one frame draws them all
 * when it shows again.
 */
export class FrameScheduler {
  private pending = 0;
  private dirty = false;

  constructor(private readonly draw: () => void) {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.dirty) this.schedule();
    });
  }

  request(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.pending || document.visibilityState === 'hidden') return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      if (!this.dirty || document.visibilityState === 'hidden') return;
      this.dirty = false;
      this.draw();
    });
  }
}
