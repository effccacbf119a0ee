// The stage board: a card's "move to" form, and dragging a card to another column, move the
// lead through the same endpoint as the plain form. The server says what a move needs (a
// reason, the signing terms: then a <dialog> asks for them) or why it is refused (then the
// message shows and the card stays). Without JavaScript the forms post and the server answers
// with its own pages.
(function () {
  "use strict";

  var dialog = document.getElementById("move-dialog");
  var message = document.getElementById("board-message");
  if (!dialog || !message) { return; }
  var partial = { "HX-Request": "true" };

  function say(text, isError) {
    message.textContent = text;
    message.className = "board-message" + (text ? (isError ? " alert alert-error" : " alert") : "");
  }

  function fragment(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return holder.querySelector(".move-form");
  }

  // What the move needs, asked of the server before anything changes.
  function askMove(form) {
    var data = new FormData(form);
    var params = new URLSearchParams({ stage: data.get("stage") });
    if (data.get("task_force")) { params.set("task_force", data.get("task_force")); }
    say("", false);
    fetch(form.action + "?" + params.toString(), { headers: partial, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (html) { return [response, html]; }); })
      .then(function (result) {
        var answer = fragment(result[1]);
        if (!result[0].ok || !answer) { say(result[0].statusText || "error", true); return; }
        if (answer.hasAttribute("data-refused")) { say(answer.getAttribute("data-refused"), true); return; }
        if (answer.getAttribute("data-needs")) { openDialog(answer); return; }
        postMove(form);
      });
  }

  var moving = null; // the lead whose move is under way, to find its card afterwards

  function postMove(form) {
    moving = form.action.split("/").pop();
    fetch(form.action, {
      method: "POST", body: new FormData(form), headers: partial, credentials: "same-origin"
    }).then(function (response) {
      var target = response.headers.get("HX-Redirect");
      if (target) { return arrive(target); }
      return response.text().then(function (html) {
        var answer = fragment(html);
        if (answer && answer.getAttribute("data-needs") && !answer.hasAttribute("data-refused")) {
          openDialog(answer);
        } else {
          closeDialog();
          say(answer && answer.getAttribute("data-refused") || response.statusText, true);
        }
      });
    });
  }

  // After a move: the board again (its columns swapped in place), or the new project's page.
  function arrive(target) {
    if (target.indexOf("/leads/board") !== 0) { window.location.assign(target); return; }
    closeDialog();
    fetch(target, { headers: partial, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#board");
        var board = document.getElementById("board");
        if (fresh && board) {
          var wasOpen = board.querySelector(".board-halted").open;
          board.replaceWith(fresh);
          fresh.querySelector(".board-halted").open = wasOpen;
          announceMoved(fresh);
        }
      });
  }

  // Say where the card went, and keep the keyboard on it.
  function announceMoved(board) {
    var card = moving && board.querySelector('.card[data-lead-id="' + moving + '"]');
    if (!card) { say("", false); return; }
    var column = card.closest(".board-column");
    var halted = card.closest(".board-halted");
    if (halted) { halted.open = true; }
    var heading = column.querySelector("h2").firstChild.textContent.trim();
    var text = board.dataset.movedMessage || "";
    say(text.replace("%company", card.querySelector(".card-company").textContent).replace("%stage", heading), false);
    card.querySelector(".card-company").focus();
  }

  function openDialog(answer) {
    dialog.replaceChildren(answer);
    if (!dialog.open) { dialog.showModal(); }
    var field = answer.querySelector("[aria-invalid=true], textarea, select[name=specialist]");
    if (field) { field.focus(); }
  }

  function closeDialog() {
    if (dialog.open) { dialog.close(); }
    dialog.replaceChildren();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("card-move")) {
      event.preventDefault();
      askMove(form);
    } else if (form.classList.contains("move-dialog-form") && dialog.contains(form)) {
      event.preventDefault();
      postMove(form);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-dialog]") && dialog.contains(event.target)) {
      event.preventDefault();
      closeDialog();
    }
  });

  // Drag and drop: a card dropped on a column moves through the card's own form.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.leadId);
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    document.querySelectorAll(".board-column.drop-here").forEach(function (c) { c.classList.remove("drop-here"); });
  });
  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest(".board-column");
    if (!column || dragged.closest(".board-column") === column) { return; }
    event.preventDefault();
    column.classList.add("drop-here");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-here"); }
  });
  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest(".board-column");
    if (!column) { return; }
    event.preventDefault();
    column.classList.remove("drop-here");
    var form = dragged.querySelector("form.card-move");
    var select = form && form.querySelector("select[name=stage]");
    if (!select || dragged.closest(".board-column") === column) { return; }
    select.value = column.dataset.stage;
    askMove(form);
  });
})();
