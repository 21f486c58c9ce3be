// The "Print" button of the sheet of sign-in codes: the browser's own print dialog. Without
// JavaScript the page says to use Ctrl+P.
document.querySelectorAll("[data-print-sheet]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
