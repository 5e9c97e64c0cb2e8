// Passkeys (WebAuthn) for the forms marked data-passkey="register", "authenticate" or "sign-in".
// The form asks the server for options (data-options-url, the API's begin endpoint), hands them to
// the browser, puts the browser's answer (JSON, binary values in base64url) in its hidden
// "credential" field and submits itself. No framework, nothing loaded from elsewhere. What it says to the
// user comes translated from the form's data-text-* attributes (templates/.../passkey/texts.html).
(function () {
  "use strict";

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(value) {
    var text = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }

  function withIds(descriptors) {
    return (descriptors || []).map(function (d) { return Object.assign({}, d, { id: fromBase64url(d.id) }); });
  }

  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: fromBase64url(options.challenge),
      user: Object.assign({}, options.user, { id: fromBase64url(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials)
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: fromBase64url(options.challenge),
      allowCredentials: withIds(options.allowCredentials)
    });
  }

  function credentialJSON(credential) {
    var r = credential.response;
    var answer = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: { clientDataJSON: toBase64url(r.clientDataJSON) },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
    if (credential.authenticatorAttachment) answer.authenticatorAttachment = credential.authenticatorAttachment;
    if (r.attestationObject) {
      answer.response.attestationObject = toBase64url(r.attestationObject);
      answer.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      answer.response.authenticatorData = toBase64url(r.authenticatorData);
      answer.response.signature = toBase64url(r.signature);
      if (r.userHandle) answer.response.userHandle = toBase64url(r.userHandle);
    }
    return JSON.stringify(answer);
  }

  var ENGLISH = {
    unsupported: "This browser does not support passkeys.",
    cancelled: "The passkey request was cancelled or timed out.",
    registered: "This passkey is already registered.",
    noAnswer: "The site did not answer. Please try again."
  };

  function text(form, name) {
    var key = "text" + name.charAt(0).toUpperCase() + name.slice(1);
    return form.dataset[key] || ENGLISH[name];
  }

  function fetchOptions(form) {
    var body = {};
    var name = form.querySelector("[name=name]");
    if (name && name.value) body.name = name.value;
    return fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error ? data.error.message : text(form, "noAnswer"));
        return data.publicKey;
      });
    });
  }

  function showError(form, message) {
    var line = form.querySelector(".passkey-error");
    if (!line) {
      line = document.createElement("p");
      line.className = "error passkey-error";
      line.setAttribute("role", "alert");
      form.insertBefore(line, form.firstChild);
    }
    line.textContent = message;
  }

  var waiting = null; // the conditional (autofill) request on the sign-in page, ended before a modal one

  function run(form, mediation) {
    return fetchOptions(form).then(function (options) {
      if (form.dataset.passkey === "register") {
        return navigator.credentials.create({ publicKey: creationOptions(options) });
      }
      var request = { publicKey: requestOptions(options) };
      if (mediation) {
        waiting = new AbortController();
        request.mediation = mediation;
        request.signal = waiting.signal;
      }
      return navigator.credentials.get(request);
    }).then(function (credential) {
      form.querySelector("[name=credential]").value = credentialJSON(credential);
      form.submit();
    });
  }

  function explain(form, error) {
    if (error.name === "NotAllowedError") return text(form, "cancelled");
    if (error.name === "InvalidStateError") return text(form, "registered");
    return error.message || String(error);
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(form, text(form, "unsupported"));
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (waiting) { waiting.abort(); waiting = null; }
      run(form).catch(function (error) { showError(form, explain(form, error)); });
    });
    if (form.dataset.passkey === "sign-in" && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        var username = document.querySelector("input[name=username]");
        if (!available || !username) return;
        username.setAttribute("autocomplete", "username webauthn");
        run(form, "conditional").catch(function () { /* ended by a modal request, or dismissed */ });
      });
    }
  });
})();
