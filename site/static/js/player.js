// Optional comfort for the lesson player: the left and right arrow keys go to the previous and
// next slide. Everything works without this file (the buttons are plain links).
document.addEventListener("keydown", (event) => {
  // Holding the key down must not flip through the section: one press, one slide.
  if (event.repeat) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const link = document.querySelector(`.player__nav [data-key="${event.key}"]`);
  if (link) {
    event.preventDefault();
    window.location.assign(link.href);
  }
});
