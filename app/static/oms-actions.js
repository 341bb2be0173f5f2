// The list pages' confirmations (templates/oms/widgets/list.html): Flask-AppBuilder's dialog
// (#modal-confirm) of a bulk action also says how many rows are chosen — and their sum when the
// view names a sum column (each row's checkbox carries data-sum) — «Выбрано: 3 на сумму 1 234,56».
// A row's own button (delete) tells that row.
(function (root) {
    "use strict";

    // "1234.56" -> 123456 (kopecks, rounded); empty or not a number -> 0
    function parseCents(text) {
        var value = parseFloat(String(text == null ? "" : text).replace(",", "."));
        return isNaN(value) ? 0 : Math.round(value * 100);
    }

    // 123456 -> "1 234,56" (no-break spaces between thousands, a comma before the kopecks)
    function formatCents(cents) {
        var sign = cents < 0 ? "-" : "";
        var abs = Math.abs(cents);
        var whole = String(Math.floor(abs / 100));
        var frac = String(abs % 100);
        if (frac.length < 2) {
            frac = "0" + frac;
        }
        var groups = [];
        while (whole.length > 3) {
            groups.unshift(whole.slice(-3));
            whole = whole.slice(0, -3);
        }
        groups.unshift(whole);
        return sign + groups.join("\u00a0") + "," + frac;
    }

    // the text of a selection: templates {n} and {sum}; the sum one only when there are sums
    function summaryText(sums, countTemplate, sumTemplate) {
        var n = sums.length;
        if (sumTemplate) {
            var total = 0;
            for (var i = 0; i < sums.length; i++) {
                total += parseCents(sums[i]);
            }
            return sumTemplate.replace("{n}", n).replace("{sum}", formatCents(total));
        }
        return countTemplate.replace("{n}", n);
    }

    var api = { parseCents: parseCents, formatCents: formatCents, summaryText: summaryText };
    if (typeof module !== "undefined" && module.exports) {
        module.exports = api;
    }
    root.omsActions = api;

    if (!root.document || !root.jQuery || root.omsActionsBound) {
        return;  // outside a page (a test), or bound already by another list of the page
    }
    root.omsActionsBound = true;
    var $ = root.jQuery;
    var lastClick = null;

    function texts() {
        var el = $("#oms-selection");
        return el.length ? { count: el.attr("data-count"), sum: el.attr("data-count-sum") } : null;
    }

    function rowSum(tr) {
        var box = tr.find("input.action_check");
        var sum = box.length ? box.attr("data-sum") : tr.attr("data-sum");
        return sum == null ? "" : sum;
    }

    // the rows a dialog is about: the row of the clicked button, else the chosen rows
    function chosenSums() {
        var tr = lastClick ? $(lastClick).closest("table.oms-list tbody tr") : $();
        if (tr.length) {
            return [rowSum(tr)];
        }
        return $("table.oms-list input.action_check:checked").map(function () {
            var sum = $(this).attr("data-sum");
            return sum == null ? "" : sum;
        }).get();
    }

    document.addEventListener("click", function (e) {
        lastClick = e.target;  // which button opens the dialog: a row's own, or the bulk menu
    }, true);

    $(document).on("show.bs.modal", "#modal-confirm", function () {
        var t = texts();
        var body = $(this).find(".modal-body");
        body.find(".oms-selection-summary").remove();
        if (!t) {
            return;
        }
        var sums = chosenSums();
        if (!sums.length) {
            return;
        }
        $("<p class='oms-selection-summary' style='margin:8px 0 0 0;font-weight:bold'></p>")
            .text(summaryText(sums, t.count, t.sum))
            .appendTo(body);
    });
})(typeof window !== "undefined" ? window : globalThis);
