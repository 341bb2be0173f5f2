/* The library's own script texts in Russian: the alert of the row actions and select2's messages. */
(function () {
  var words = {
    "No row selected": "Не выбрана ни одна строка",
    "Select": "Выберите"
  };
  if (typeof window.ab_alert === "function") {
    var alertOf = window.ab_alert;
    window.ab_alert = function (text) {
      return alertOf(words[text] || text);
    };
  }
  if (window.jQuery && jQuery.fn.select2 && jQuery.fn.select2.defaults) {
    jQuery.fn.select2.defaults.set("language", {
      errorLoading: function () { return "Не удалось загрузить данные"; },
      inputTooLong: function (a) { return "Удалите символов: " + (a.input.length - a.maximum); },
      inputTooShort: function (a) { return "Введите еще символов: " + (a.minimum - a.input.length); },
      loadingMore: function () { return "Загрузка…"; },
      maximumSelected: function (a) { return "Можно выбрать не более " + a.maximum; },
      noResults: function () { return "Ничего не найдено"; },
      searching: function () { return "Поиск…"; },
      removeAllItems: function () { return "Очистить"; }
    });
  }
  // the library's empty choice of a select reads «__None»: «—», as every empty value
  function blankChoices(root) {
    if (!window.jQuery) return;
    jQuery(root).find('option[value="__None"]').each(function () {
      if (this.text === "__None") {
        this.text = "—";
        jQuery(this).closest("select").trigger("change.select2");
      }
    });
  }
  blankChoices(document);
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (c) {
        c.addedNodes.forEach(function (n) { if (n.nodeType === 1) blankChoices(n); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
})();
