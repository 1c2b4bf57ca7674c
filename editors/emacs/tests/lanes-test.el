;;; lanes-test.el --- End to end: lanes.el with Eglot and the real `lanes lsp'  -*- lexical-binding: t; -*-

;; emacs --batch -Q -l tests/lanes-test.el -f ert-run-tests-batch-and-exit
;; Needs LANES_BIN (the binary) and Eglot (Debian: elpa-eglot).

;;; Code:

(require 'ert)
(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(add-to-list 'load-path (expand-file-name ".." (file-name-directory (or load-file-name buffer-file-name))))
(require 'lanes)

(defvar lanes-test-bin (or (getenv "LANES_BIN") (error "Set LANES_BIN to the lanes binary")))
(setq lanes-program lanes-test-bin)
(lanes-setup)
;; Quiet, and never asking: tests answer nothing.
(setq eglot-autoshutdown t
      eglot-sync-connect 10
      flymake-no-changes-timeout nil)

(defun lanes-test--run (dir program &rest args)
  "Run PROGRAM with ARGS in DIR; its output, or an error with it."
  (with-temp-buffer
    (let* ((default-directory (file-name-as-directory dir))
           (status (apply #'call-process program nil t nil args)))
      (unless (eq status 0)
        (error "%s %s failed: %s" program (string-join args " ") (buffer-string)))
      (buffer-string))))

(defun lanes-test--lines (edited word)
  "Twenty numbered lines; those in EDITED replaced by \"WORD N\"."
  (mapconcat (lambda (n) (if (memq n edited) (format "%s %d" word n) (format "line %d" n)))
             (number-sequence 1 20) "\n"))

(defun lanes-test--repo ()
  "A repository with src/app.txt and lanes A-1 and B-1, each changing line 5 of it.
Returns the directory that holds the repository and its lanes."
  (let* ((base (file-truename (make-temp-file "lanes-emacs-" t)))
         (repo (expand-file-name "project" base)))
    (make-directory (expand-file-name "src" repo) t)
    (setenv "GIT_CONFIG_GLOBAL" (expand-file-name "gitconfig" base))
    (setenv "GIT_CONFIG_NOSYSTEM" "1")
    (setenv "HOME" base)
    (setenv "XDG_CONFIG_HOME" (expand-file-name "xdg" base))
    (with-temp-file (expand-file-name "gitconfig" base)
      (insert "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"))
    (with-temp-file (expand-file-name "src/app.txt" repo) (insert (lanes-test--lines nil "") "\n"))
    (lanes-test--run repo "git" "init" "-q" "-b" "main")
    (lanes-test--run repo "git" "add" ".")
    (lanes-test--run repo "git" "commit" "-q" "-m" "initial")
    (dolist (ticket '("A-1" "B-1"))
      (lanes-test--run repo lanes-test-bin "start" ticket "--offline")
      (with-temp-file (expand-file-name (format "project-%s/src/app.txt" ticket) base)
        (insert (lanes-test--lines '(5) ticket) "\n")))
    base))

(defun lanes-test--wait (what predicate &optional seconds)
  "Process events until PREDICATE holds; fail naming WHAT after SECONDS (default 20)."
  (let ((deadline (+ (float-time) (or seconds 20))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (ert-fail (format "timed out waiting for %s" what)))
      (accept-process-output nil 0.05))))

(defun lanes-test--visit (file)
  "Visit FILE with the lanes server connected."
  (find-file file)
  (apply #'eglot--connect (eglot--guess-contact))
  (lanes-test--wait "the lanes server" #'eglot-current-server))

(defun lanes-test--lanes-diagnostics ()
  "The messages of the current buffer's diagnostics, as Flymake or Eglot holds them."
  (flymake-start)
  (append (mapcar #'flymake-diagnostic-text (flymake-diagnostics))
          (and (boundp 'eglot--diagnostics)
               (mapcar (lambda (d) (flymake-diagnostic-text d)) eglot--diagnostics))))

(ert-deftest lanes-a-line-another-lane-changes-gets-the-conflict-warning ()
  (let ((base (lanes-test--repo)))
    (lanes-test--visit (expand-file-name "project-B-1/src/app.txt" base))
    (lanes-test--wait "the conflict diagnostic naming lane A-1"
                      (lambda ()
                        (cl-some (lambda (text) (string-match-p "Merging lane A-1 .* will conflict here" text))
                                 (lanes-test--lanes-diagnostics))))
    (eglot-shutdown (eglot-current-server))))

(ert-deftest lanes-the-mode-line-shows-the-windows-lane ()
  (let ((base (lanes-test--repo)))
    (lanes-test--visit (expand-file-name "project-B-1/src/app.txt" base))
    (lanes-test--wait "B-1 in the mode line"
                      (lambda () (string-prefix-p "B-1 · 1●" (lanes-status-text))))
    ;; Batch Emacs has no redisplay (`format-mode-line' gives ""): evaluate the construct.
    (should (memq 'lanes-mode-line global-mode-string))
    (should (string-prefix-p " [B-1 · 1●" (eval (cadr lanes-mode-line) t)))
    (eglot-shutdown (eglot-current-server))))

(ert-deftest lanes-start-creates-the-lanes-worktree ()
  (let ((base (lanes-test--repo)))
    (lanes-test--visit (expand-file-name "project/src/app.txt" base))
    (let ((lane (lanes-start "NEW-7")))
      (should (equal (plist-get lane :ticket) "NEW-7"))
      (should (file-exists-p (expand-file-name "project-NEW-7/src/app.txt" base))))
    (eglot-shutdown (eglot-current-server))))

(ert-deftest lanes-a-hostile-key-is-a-user-error-and-creates-nothing ()
  (let ((base (lanes-test--repo)))
    (lanes-test--visit (expand-file-name "project/src/app.txt" base))
    (let ((err (should-error (lanes-start "../../x") :type 'user-error)))
      (should (string-match-p "ticket" (error-message-string err))))
    (should-not (file-exists-p (expand-file-name "x" base)))
    (should (equal (length (directory-files base nil "^project")) 3))
    (eglot-shutdown (eglot-current-server))))

(ert-deftest lanes-check-lists-the-conflicting-pair-at-its-line ()
  (let ((base (lanes-test--repo)))
    (lanes-test--visit (expand-file-name "project-B-1/src/app.txt" base))
    (lanes-test--wait "the window's lane" (lambda () (equal (plist-get lanes--status :ticket) "B-1")))
    (with-current-buffer (lanes-check)
      (should (string-match-p
               (regexp-quote (format "%s/project-B-1/src/app.txt:5: A-1 × B-1 conflict" base))
               (buffer-string))))
    (eglot-shutdown (eglot-current-server))))

;;; lanes-test.el ends here
