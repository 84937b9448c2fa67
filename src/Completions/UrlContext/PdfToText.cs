using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Exceptions;
using UglyToad.PdfPig.Fonts;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>A PDF's text, page by page, read with PdfPig; reading stops once enough text for the model was found.</summary>
internal static class PdfToText
{
    /// <summary>The PDF's title (from its document information) and text; null text when it is not a readable PDF.</summary>
    /// <param name="pdf">The file.</param>
    /// <param name="maxCharacters">The most characters wanted: later pages are not read.</param>
    public static (string? Title, string? Text) Convert(byte[] pdf, int maxCharacters)
    {
        try
        {
            using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = true });
            var text = new StringBuilder();
            foreach (var page in document.GetPages())
            {
                if (text.Length > maxCharacters)
                {
                    break;
                }

                if (text.Length > 0)
                {
                    text.Append("\n\n");
                }

                text.Append(ContentOrderTextExtractor.GetText(page));
            }

            var title = document.Information.Title;
            return (string.IsNullOrWhiteSpace(title) ? null : title.Trim(), text.ToString().Trim());
        }
        catch (PdfDocumentFormatException)
        {
            // PdfPig's answer to a file that is not a well-formed PDF (a deep nesting included).
            return (null, null);
        }
        catch (PdfDocumentEncryptedException)
        {
            return (null, null);
        }
        catch (CorruptCompressedDataException)
        {
            // A page's content or a font stream that does not decompress.
            return (null, null);
        }
        catch (InvalidFontFormatException)
        {
            return (null, null);
        }
    }
}
