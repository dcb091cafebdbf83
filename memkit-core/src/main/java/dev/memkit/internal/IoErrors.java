package dev.memkit.internal;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Messages for I/O failures that name their cause. Stateless. */
public final class IoErrors {
    private IoErrors() {}

    /**
     * Why an I/O operation failed, in words. The JDK's most common file errors carry only the file's name as their
     * message ({@code NoSuchFileException: /x}), so "cannot write /x: " + message reads "cannot write /x: /x".
     *
     * @param e the failure
     * @return for example "no such file or directory: /x", or the exception's own message
     */
    public static String describe(Throwable e) {
        String why = switch (e) {
            case NoSuchFileException x -> "no such file or directory";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "already exists";
            case DirectoryNotEmptyException x -> "directory not empty";
            case NotDirectoryException x -> "not a directory";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> null;
        };
        if (why == null) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        FileSystemException f = (FileSystemException) e;
        return why + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
    }
}
