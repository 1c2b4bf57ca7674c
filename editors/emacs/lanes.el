;;; lanes.el --- Lanes: one ticket, one branch, one git worktree  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: tools, vc
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Runs the `lanes lsp' language server through Eglot, so Emacs warns when the file you edit is
;; also changed in another lane (another ticket's git worktree) — with git's verdict on whether
;; merging them would conflict — shows the window's lane in the mode line (from `lanes/status'),
;; and offers the server's commands:
;;
;;   (add-to-list 'load-path "/path/to/lanes/editors/emacs")
;;   (require 'lanes)
;;   (lanes-setup)
;;   (add-hook 'text-mode-hook #'eglot-ensure)   ; and the modes you want guarded
;;
;; Eglot runs one server per buffer: `lanes-setup' adds lanes *after* the servers already in
;; `eglot-server-programs', so a mode with its own server (rust-analyzer, pyright…) keeps it.
;; To have both there, use lsp-mode, whose clients can run side by side (see README.md).
;;
;; Commands: `lanes-start', `lanes-switch', `lanes-check', `lanes-open-in-lane'.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'grep)
(require 'jsonrpc)
(require 'subr-x)

(defgroup lanes nil
  "One ticket, one branch, one git worktree."
  :group 'tools
  :prefix "lanes-")

(defcustom lanes-program "lanes"
  "The `lanes' binary: a name on `exec-path' or an absolute file name."
  :type 'string)

(defcustom lanes-modes '(text-mode prog-mode conf-mode)
  "Major modes whose buffers (and those of modes derived from them) get the lanes server."
  :type '(repeat symbol))

(defvar lanes--status nil
  "The last `lanes/status' the server sent, as a plist; nil outside git.")

(defun lanes-status-text ()
  "The window's lane for the mode line: \"PROJ-1 · 2● · ↑1 ↓0 · PR#42\", \"\" outside lanes."
  (let ((s lanes--status))
    (if (not s)
        ""
      (let* ((ticket (plist-get s :ticket))
             (branch (plist-get s :branch))
             (dirty (plist-get s :dirty))
             (ahead (plist-get s :ahead))
             (behind (plist-get s :behind))
             (pr (plist-get s :pr))
             (conflicts (plist-get s :conflicts))
             (parts (list (or (and (stringp ticket) ticket) (and (stringp branch) branch) "(detached)"))))
        (when (and (numberp dirty) (> dirty 0))
          (push (format "%d●" dirty) parts))
        (when (and (numberp ahead) (numberp behind))
          (push (format "↑%d ↓%d" ahead behind) parts))
        (when (numberp pr)
          (push (format "PR#%d" pr) parts))
        (when (and (vectorp conflicts) (> (length conflicts) 0))
          (push (format "✗%d" (length conflicts)) parts))
        (mapconcat #'identity (nreverse parts) " · ")))))

(defvar lanes-mode-line '(:eval (let ((text (lanes-status-text)))
                                  (if (string-empty-p text) "" (concat " [" text "]"))))
  "Mode-line construct showing the window's lane.")
(put 'lanes-mode-line 'risky-local-variable t)

(cl-defmethod eglot-handle-notification (_server (_method (eql lanes/status)) &rest status)
  "Keep the window's lane, STATUS, for the mode line."
  (setq lanes--status status)
  (force-mode-line-update t))

(defun lanes--server ()
  "The Eglot server of the current buffer, or a user error saying how to get one."
  (or (eglot-current-server)
      (user-error "No language server here: open a file of the repository and M-x eglot")))

(defun lanes--run (command argument)
  "Run the server's COMMAND with the plist ARGUMENT; return its result as a plist.
A server error becomes a `user-error' with its message and hints."
  (condition-case err
      (jsonrpc-request (lanes--server) :workspace/executeCommand
                       ;; An empty plist would go as null; the server wants an object.
                       (list :command command :arguments (vector (or argument (make-hash-table)))))
    (jsonrpc-error
     (let* ((data (alist-get 'jsonrpc-error-data (cdr err)))
            (hints (and data (plist-get data :hints))))
       (user-error "%s%s" (alist-get 'jsonrpc-error-message (cdr err))
                   (if (and hints (> (length hints) 0))
                       (concat " — " (mapconcat #'identity hints "; "))
                     ""))))))

(defun lanes--lane-names ()
  "Ticket keys of the repository's lanes."
  (delq nil (mapcar (lambda (lane) (let ((ticket (plist-get lane :ticket))) (and (stringp ticket) ticket)))
                    (plist-get (lanes--run "lanes.list" (list)) :lanes))))

;;;###autoload
(defun lanes-start (ticket)
  "Start the lane of TICKET: its branch from the fresh base, and a worktree beside the repository."
  (interactive "sStart a lane for ticket: ")
  (let* ((started (lanes--run "lanes.start" (list :ticket (string-trim ticket))))
         (lane (plist-get started :lane)))
    (message "lanes: %s lane %s on %s at %s"
             (if (eq (plist-get started :created) t) "started" "already there:")
             (plist-get lane :ticket) (plist-get lane :branch) (plist-get lane :path))
    lane))

;;;###autoload
(defun lanes-switch (name)
  "Visit the directory of the lane NAME (a ticket key, branch or directory)."
  (interactive (list (completing-read "Switch to lane: " (lanes--lane-names) nil t)))
  (let ((lane (lanes--run "lanes.switch" (list :ticket name))))
    (dired (plist-get lane :path))))

(defun lanes--uri (file)
  "The file: URI of FILE (Eglot renamed its helper in 1.16)."
  (if (fboundp 'eglot-path-to-uri)
      (funcall 'eglot-path-to-uri file)
    (funcall 'eglot--path-to-uri file)))

;;;###autoload
(defun lanes-open-in-lane (name)
  "Visit the current file's copy in the lane NAME, on the same line."
  (interactive (list (completing-read "Open this file in lane: " (lanes--lane-names) nil t)))
  (let* ((line (line-number-at-pos))
         (opened (lanes--run "lanes.openInLane"
                             (list :uri (lanes--uri (buffer-file-name)) :ticket name))))
    (unless (eq (plist-get opened :exists) t)
      (message "lanes: the file does not exist in lane %s" name))
    (find-file (plist-get opened :path))
    (goto-char (point-min))
    (forward-line (1- line))))

;;;###autoload
(defun lanes-check ()
  "List every file changed in more than one lane, with git's verdict, in a `grep-mode' buffer."
  (interactive)
  (let* ((report (lanes--run "lanes.check" (list)))
         (here (or (plist-get lanes--status :path) default-directory))
         (buffer (get-buffer-create "*lanes check*")))
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (format "Files changed in more than one lane (from %s)\n\n" here))
        (cl-loop for file across (plist-get report :files) do
                 (cl-loop for pair across (plist-get file :pairs) do
                          (let* ((a (plist-get pair :a))
                                 (b (plist-get pair :b))
                                 (mine (if (equal (plist-get b :path) here) b a))
                                 (lines (plist-get pair :lines))
                                 (line (if (> (length lines) 0) (max 1 (plist-get (aref lines 0) :start)) 1)))
                            (insert (format "%s/%s:%d: %s × %s %s\n"
                                            (or (plist-get mine :path) here) (plist-get file :path) line
                                            (plist-get a :name) (plist-get b :name) (plist-get pair :kind))))))
        (grep-mode)))
    (display-buffer buffer)
    buffer))

;;;###autoload
(defun lanes-setup ()
  "Register `lanes lsp' with Eglot for `lanes-modes' and show the lane in the mode line."
  (dolist (mode lanes-modes)
    (unless (assoc mode eglot-server-programs)
      ;; Last, so the modes' own servers come first.
      (add-to-list 'eglot-server-programs (cons mode (list lanes-program "lsp")) t)))
  (unless (memq 'lanes-mode-line global-mode-string)
    (setq global-mode-string (append (or global-mode-string '("")) '(lanes-mode-line)))))

(provide 'lanes)
;;; lanes.el ends here
